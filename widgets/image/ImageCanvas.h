#pragma once
// The Image tab's canvas: shows one picture scaled to fit (small model outputs are enlarged pixel-exact), with a
// caption such as "scale 3/6". In mask mode the user paints the region to repaint with a round brush (left
// button paints, right button or "erase" erases); the mask is kept at the picture's resolution and drawn as a red
// overlay, with the model's token grid (the mask's real resolution) as faint lines.
#include <QImage>
#include <QString>
#include <QWidget>
#include <vector>

namespace weft::studio {

class ImageCanvas : public QWidget {
  Q_OBJECT
 public:
  explicit ImageCanvas(QWidget* parent = nullptr);

  void setImage(const QImage& image, const QString& caption = {});  // keeps the mask when the size is unchanged
  void clearImage(const QString& message = {});
  QImage image() const { return image_; }
  QString caption() const { return caption_; }

  void setMaskMode(bool on);
  bool maskMode() const { return maskMode_; }
  void setBrushSize(int screenPixels) { brush_ = screenPixels; }
  int brushSize() const { return brush_; }
  void setErasing(bool on) { erasing_ = on; }
  void setGrid(int cells) { grid_ = cells; update(); }  // 0 = none
  void clearMask();
  void invertMask();
  // Paints (or erases) a disc of `radius` picture pixels; for tests and scripted use.
  void paintDisc(QPointF imagePos, double radius, bool erase = false);
  void paintRect(const QRectF& imageRect, bool erase = false);
  QImage mask() const { return mask_; }  // Grayscale8, 255 = repaint, 0 = keep; null without a picture
  double maskCoverage() const;           // fraction of the picture marked for repainting
  // The model resamples a token when at least half of its cell (of the grid×grid token grid) is painted: which do.
  std::vector<bool> repaintedCells(int grid) const;
  int repaintedCellCount() const;        // on the grid set with setGrid (0 without one)
  QSize sizeHint() const override { return {520, 520}; }

 signals:
  void maskChanged();

 protected:
  void paintEvent(QPaintEvent*) override;
  void mousePressEvent(QMouseEvent*) override;
  void mouseMoveEvent(QMouseEvent*) override;
  void mouseReleaseEvent(QMouseEvent*) override;
  void leaveEvent(QEvent*) override;

 private:
  QRectF target() const;                 // where the picture is drawn, in widget coordinates
  QPointF toImage(QPointF widgetPos) const;
  void strokeTo(QPointF widgetPos, bool erase);

  QImage image_;
  QImage mask_;
  QImage overlay_;  // cached red overlay of the mask
  QString caption_;
  QString message_;
  bool maskMode_ = false;
  bool erasing_ = false;
  int brush_ = 24;
  int grid_ = 0;
  bool stroking_ = false;
  bool strokeErases_ = false;
  QPointF last_;
  QPointF hover_{-1, -1};
};

}  // namespace weft::studio
