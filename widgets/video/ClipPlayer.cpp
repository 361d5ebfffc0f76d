#include "video/ClipPlayer.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QStyle>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>

namespace weft::studio {

ClipPlayer::ClipPlayer(QWidget* parent) : QWidget(parent) {
  screen_ = new QLabel;
  screen_->setAlignment(Qt::AlignCenter);
  screen_->setMinimumSize(160, 160);
  screen_->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
  screen_->setStyleSheet("QLabel { background: #202020; color: #c0c0c0; }");
  caption_ = new QLabel;
  caption_->setAlignment(Qt::AlignCenter);
  play_ = new QToolButton;
  play_->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
  play_->setToolTip(tr("Play / pause (Space)"));
  play_->setShortcut(Qt::Key_Space);
  scrubber_ = new QSlider(Qt::Horizontal);
  scrubber_->setToolTip(tr("Scrub through the frames"));
  position_ = new QLabel;
  position_->setMinimumWidth(90);
  loop_ = new QCheckBox(tr("Loop"));
  loop_->setChecked(true);
  fps_ = new QDoubleSpinBox;
  fps_->setRange(1, 60);
  fps_->setDecimals(0);
  fps_->setSuffix(tr(" fps"));
  fps_->setValue(8);
  fps_->setToolTip(tr("Playback rate (exports use the model's rate)"));
  timer_ = new QTimer(this);

  auto* controls = new QHBoxLayout;
  controls->addWidget(play_);
  controls->addWidget(scrubber_, 1);
  controls->addWidget(position_);
  controls->addWidget(loop_);
  controls->addWidget(fps_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(screen_, 1);
  layout->addWidget(caption_);
  layout->addLayout(controls);

  connect(play_, &QToolButton::clicked, this, [this] { playing() ? pause() : play(); });
  connect(scrubber_, &QSlider::valueChanged, this, [this](int v) {
    if (v != current_) showFrame(v);
  });
  connect(timer_, &QTimer::timeout, this, &ClipPlayer::advance);
  connect(fps_, &QDoubleSpinBox::valueChanged, this, [this](double f) { timer_->setInterval(int(1000 / f)); });
  clear(tr("No clip yet"));
}

void ClipPlayer::setClip(const std::vector<QImage>& frames, double fps, const QString& caption) {
  const bool was_playing = playing();
  frames_ = frames;
  current_ = 0;
  if (fps > 0) fps_->setValue(fps);
  caption_->setText(caption);
  scrubber_->setRange(0, std::max(0, int(frames_.size()) - 1));
  scrubber_->setEnabled(!frames_.empty());
  play_->setEnabled(frames_.size() > 1);
  showFrame(0);
  if (was_playing && frames_.size() > 1) play();
}

void ClipPlayer::clear(const QString& message) {
  pause();
  frames_.clear();
  current_ = 0;
  screen_->setPixmap({});
  screen_->setText(message);
  caption_->clear();
  position_->clear();
  scrubber_->setRange(0, 0);
  scrubber_->setEnabled(false);
  play_->setEnabled(false);
}

bool ClipPlayer::playing() const { return timer_->isActive(); }

void ClipPlayer::play() {
  if (frames_.size() < 2) return;
  if (current_ == int(frames_.size()) - 1 && !loop_->isChecked()) showFrame(0);
  timer_->start(int(1000 / fps_->value()));
  play_->setIcon(style()->standardIcon(QStyle::SP_MediaPause));
}

void ClipPlayer::pause() {
  timer_->stop();
  play_->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
}

void ClipPlayer::showFrame(int index) {
  if (frames_.empty()) return;
  current_ = std::clamp(index, 0, int(frames_.size()) - 1);
  {
    const QSignalBlocker block(scrubber_);
    scrubber_->setValue(current_);
  }
  position_->setText(tr("frame %1/%2").arg(current_ + 1).arg(frames_.size()));
  render();
  emit frameShown(current_);
}

void ClipPlayer::advance() {
  if (current_ + 1 < int(frames_.size())) return showFrame(current_ + 1);
  if (loop_->isChecked()) return showFrame(0);
  pause();
}

void ClipPlayer::render() {
  if (frames_.empty()) return;
  const QImage& f = frames_[size_t(current_)];
  if (f.isNull()) return;
  // Whole-number enlargement without smoothing: generated frames are tiny, and blur would hide what the model made.
  const int scale = std::max(1, std::min(screen_->width() / std::max(1, f.width()), screen_->height() / std::max(1, f.height())));
  screen_->setText({});
  screen_->setPixmap(QPixmap::fromImage(f.scaled(f.width() * scale, f.height() * scale, Qt::KeepAspectRatio, Qt::FastTransformation)));
}

void ClipPlayer::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  render();
}

}  // namespace weft::studio
