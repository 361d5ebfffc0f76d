#pragma once
// Plays one clip: the current frame enlarged without smoothing (pixels stay crisp), play/pause, a scrubber over
// the frames, loop and frame-rate controls. Frames are QImages already on the GUI thread; playing is a QTimer.
#include <QImage>
#include <QWidget>
#include <vector>

class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QSlider;
class QTimer;
class QToolButton;

namespace weft::studio {

class ClipPlayer : public QWidget {
  Q_OBJECT
 public:
  explicit ClipPlayer(QWidget* parent = nullptr);

  void setClip(const std::vector<QImage>& frames, double fps, const QString& caption);
  void clear(const QString& message);
  void play();
  void pause();
  void showFrame(int index);

  bool playing() const;
  int frameCount() const { return int(frames_.size()); }
  int currentFrame() const { return current_; }
  QSlider* scrubber() const { return scrubber_; }
  QToolButton* playButton() const { return play_; }
  QCheckBox* loopBox() const { return loop_; }
  QDoubleSpinBox* fpsSpin() const { return fps_; }

 signals:
  void frameShown(int index);

 protected:
  void resizeEvent(QResizeEvent* event) override;

 private:
  void advance();
  void render();

  std::vector<QImage> frames_;
  int current_ = 0;
  QLabel* screen_;
  QLabel* caption_;
  QLabel* position_;
  QToolButton* play_;
  QSlider* scrubber_;
  QCheckBox* loop_;
  QDoubleSpinBox* fps_;
  QTimer* timer_;
};

}  // namespace weft::studio
