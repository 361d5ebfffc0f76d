#include "image/ImageCanvas.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>

namespace weft::studio {

ImageCanvas::ImageCanvas(QWidget* parent) : QWidget(parent) {
  setMinimumSize(200, 200);
  setMouseTracking(true);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
  message_ = tr("Generate a picture, or open one to edit");
}

void ImageCanvas::setImage(const QImage& image, const QString& caption) {
  const bool keepMask = !mask_.isNull() && image.size() == image_.size();
  image_ = image;
  caption_ = caption;
  message_.clear();
  if (!keepMask) {
    mask_ = image_.isNull() ? QImage() : QImage(image_.size(), QImage::Format_Grayscale8);
    if (!mask_.isNull()) mask_.fill(0);
    overlay_ = QImage();
    emit maskChanged();
  }
  update();
}

void ImageCanvas::clearImage(const QString& message) {
  image_ = QImage();
  mask_ = QImage();
  overlay_ = QImage();
  caption_.clear();
  message_ = message;
  emit maskChanged();
  update();
}

void ImageCanvas::setMaskMode(bool on) {
  maskMode_ = on;
  setCursor(on ? Qt::CrossCursor : Qt::ArrowCursor);
  update();
}

void ImageCanvas::clearMask() {
  if (mask_.isNull()) return;
  mask_.fill(0);
  overlay_ = QImage();
  emit maskChanged();
  update();
}

void ImageCanvas::invertMask() {
  if (mask_.isNull()) return;
  mask_.invertPixels();
  overlay_ = QImage();
  emit maskChanged();
  update();
}

double ImageCanvas::maskCoverage() const {
  if (mask_.isNull()) return 0.0;
  qint64 sum = 0;
  for (int y = 0; y < mask_.height(); ++y) {
    const uchar* row = mask_.constScanLine(y);
    for (int x = 0; x < mask_.width(); ++x) sum += row[x] > 127;
  }
  return double(sum) / (double(mask_.width()) * mask_.height());
}

std::vector<bool> ImageCanvas::repaintedCells(int grid) const {
  std::vector<bool> out;
  if (mask_.isNull() || grid < 1) return out;
  // Area average per cell, as the core resizes the mask to the token grid (OpenCV INTER_AREA).
  std::vector<double> sum(size_t(grid) * grid, 0.0), area(size_t(grid) * grid, 0.0);
  for (int y = 0; y < mask_.height(); ++y) {
    const uchar* row = mask_.constScanLine(y);
    const int cy = std::min(grid - 1, y * grid / mask_.height());
    for (int x = 0; x < mask_.width(); ++x) {
      const size_t cell = size_t(cy) * grid + std::min(grid - 1, x * grid / mask_.width());
      sum[cell] += row[x] / 255.0;
      area[cell] += 1.0;
    }
  }
  out.resize(sum.size());
  for (size_t i = 0; i < sum.size(); ++i) out[i] = area[i] > 0 && sum[i] / area[i] >= 0.5;
  return out;
}

int ImageCanvas::repaintedCellCount() const {
  const auto cells = repaintedCells(grid_);
  return int(std::count(cells.begin(), cells.end(), true));
}

void ImageCanvas::paintDisc(QPointF p, double radius, bool erase) {
  if (mask_.isNull()) return;
  QPainter painter(&mask_);
  painter.setRenderHint(QPainter::Antialiasing, false);
  painter.setPen(Qt::NoPen);
  painter.setBrush(erase ? QColor(0, 0, 0) : QColor(255, 255, 255));
  painter.drawEllipse(p, std::max(radius, 0.5), std::max(radius, 0.5));
  painter.end();
  overlay_ = QImage();
  emit maskChanged();
  update();
}

void ImageCanvas::paintRect(const QRectF& r, bool erase) {
  if (mask_.isNull()) return;
  QPainter painter(&mask_);
  painter.fillRect(r, erase ? QColor(0, 0, 0) : QColor(255, 255, 255));
  painter.end();
  overlay_ = QImage();
  emit maskChanged();
  update();
}

QRectF ImageCanvas::target() const {
  if (image_.isNull()) return {};
  const QRectF area = QRectF(rect()).adjusted(8, 8, -8, caption_.isEmpty() ? -8 : -30);
  const double s = std::min(area.width() / image_.width(), area.height() / image_.height());
  // Small pictures are enlarged by whole factors so their pixels stay square and sharp.
  const double scale = s >= 1.0 ? std::floor(s) : s;
  const QSizeF size(image_.width() * scale, image_.height() * scale);
  return QRectF(area.center() - QPointF(size.width() / 2, size.height() / 2), size);
}

QPointF ImageCanvas::toImage(QPointF w) const {
  const QRectF t = target();
  if (t.isEmpty()) return {};
  return {(w.x() - t.left()) * image_.width() / t.width(), (w.y() - t.top()) * image_.height() / t.height()};
}

void ImageCanvas::strokeTo(QPointF widgetPos, bool erase) {
  const QRectF t = target();
  if (t.isEmpty()) return;
  const double radius = 0.5 * brush_ * image_.width() / t.width();
  const QPointF a = toImage(last_), b = toImage(widgetPos);
  QPainter painter(&mask_);
  painter.setPen(QPen(erase ? Qt::black : Qt::white, 2 * radius, Qt::SolidLine, Qt::RoundCap));
  if (a == b) {
    painter.setPen(Qt::NoPen);
    painter.setBrush(erase ? Qt::black : Qt::white);
    painter.drawEllipse(b, radius, radius);
  } else {
    painter.drawLine(a, b);
  }
  painter.end();
  last_ = widgetPos;
  overlay_ = QImage();
  emit maskChanged();
  update();
}

void ImageCanvas::mousePressEvent(QMouseEvent* e) {
  if (!maskMode_ || mask_.isNull() || !(e->button() == Qt::LeftButton || e->button() == Qt::RightButton)) {
    QWidget::mousePressEvent(e);
    return;
  }
  stroking_ = true;
  strokeErases_ = erasing_ || e->button() == Qt::RightButton;
  last_ = e->position();
  strokeTo(e->position(), strokeErases_);
}

void ImageCanvas::mouseMoveEvent(QMouseEvent* e) {
  hover_ = e->position();
  if (stroking_) strokeTo(e->position(), strokeErases_);
  else if (maskMode_) update();
}

void ImageCanvas::mouseReleaseEvent(QMouseEvent* e) {
  if (stroking_) strokeTo(e->position(), strokeErases_);
  stroking_ = false;
}

void ImageCanvas::leaveEvent(QEvent*) {
  hover_ = {-1, -1};
  update();
}

void ImageCanvas::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().color(QPalette::Base).darker(104));
  if (image_.isNull()) {
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, message_);
    return;
  }
  const QRectF t = target();
  const bool enlarge = t.width() >= image_.width();
  p.setRenderHint(QPainter::SmoothPixmapTransform, !enlarge);
  p.drawImage(t, image_);
  if (maskMode_ && !mask_.isNull()) {
    if (overlay_.isNull()) {
      overlay_ = QImage(mask_.size(), QImage::Format_ARGB32_Premultiplied);
      for (int y = 0; y < mask_.height(); ++y) {
        const uchar* m = mask_.constScanLine(y);
        auto* o = reinterpret_cast<QRgb*>(overlay_.scanLine(y));
        for (int x = 0; x < mask_.width(); ++x) o[x] = m[x] > 127 ? qRgba(150, 20, 40, 150) : qRgba(0, 0, 0, 0);
      }
    }
    p.drawImage(t, overlay_);
    if (grid_ > 1) {
      p.setPen(QPen(QColor(255, 255, 255, 70), 1));
      for (int i = 1; i < grid_; ++i) {
        const double x = t.left() + t.width() * i / grid_, y = t.top() + t.height() * i / grid_;
        p.drawLine(QPointF(x, t.top()), QPointF(x, t.bottom()));
        p.drawLine(QPointF(t.left(), y), QPointF(t.right(), y));
      }
      // The tokens that will really be resampled: outlined.
      const auto cells = repaintedCells(grid_);
      const double cw = t.width() / grid_, ch = t.height() / grid_;
      p.setPen(QPen(QColor(255, 230, 90), 2, Qt::DashLine));
      p.setBrush(Qt::NoBrush);
      for (int cy = 0; cy < grid_; ++cy)
        for (int cx = 0; cx < grid_; ++cx)
          if (cells[size_t(cy) * grid_ + cx])
            p.drawRect(QRectF(t.left() + cx * cw, t.top() + cy * ch, cw, ch).adjusted(2, 2, -2, -2));
    }
    if (t.contains(hover_)) {
      p.setRenderHint(QPainter::Antialiasing);
      p.setPen(QPen(erasing_ ? QColor(40, 120, 255) : QColor(255, 255, 255), 1.5));
      p.setBrush(Qt::NoBrush);
      p.drawEllipse(hover_, brush_ / 2.0, brush_ / 2.0);
    }
  }
  p.setPen(QPen(palette().color(QPalette::Mid), 1));
  p.setBrush(Qt::NoBrush);
  p.drawRect(t.adjusted(-0.5, -0.5, 0.5, 0.5));
  if (!caption_.isEmpty()) {
    p.setPen(palette().color(QPalette::Text));
    p.drawText(QRectF(0, t.bottom() + 4, width(), 22), Qt::AlignHCenter | Qt::AlignTop, caption_);
  }
}

}  // namespace weft::studio
