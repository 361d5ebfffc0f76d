#include "shared/JobWorker.h"

#include <QElapsedTimer>
#include <optional>

#include "common/cancel_token.h"
#include "common/error.h"
#include "common/progress_sink.h"
#include "common/runtime.h"
#include "shared/JobRunner.h"
#include "shared/PreviewImages.h"

namespace weft::studio {

namespace {

// Turns ProgressSink calls into runner signals, at most one per interval; the newest pending update is always
// delivered when the job ends, so the last progress value and the last preview are never lost.
class ThrottledSink final : public ProgressSink {
 public:
  ThrottledSink(JobRunner* runner, quint64 id, long long minIntervalUs)
      : runner_(runner), id_(id), intervalUs_(minIntervalUs) {
    progressClock_.start();
    previewClock_.start();
  }

  void progress(double fraction, std::string_view stage) override {
    pendingProgress_ = {fraction, QString::fromUtf8(stage.data(), int(stage.size()))};
    if (due(progressClock_, progressSent_)) flushProgress();
  }
  void preview(const Preview& p) override {
    pendingPreview_ = PendingPreview{p.step, p.steps, QString::fromStdString(p.label), toQImage(p.image)};
    if (due(previewClock_, previewSent_)) flushPreview();
  }
  void log(std::string_view line) override {
    emit runner_->jobLog(id_, QString::fromUtf8(line.data(), int(line.size())));
  }
  void metric(const MetricPoint& p) override {
    emit runner_->jobMetric(id_, QString::fromStdString(p.series), p.x, p.y);
  }
  void flush() {
    flushProgress();
    flushPreview();
  }

 private:
  struct PendingProgress {
    double fraction;
    QString stage;
  };
  struct PendingPreview {
    int step, steps;
    QString label;
    QImage image;
  };
  bool due(QElapsedTimer& clock, bool& sentOnce) {
    if (intervalUs_ <= 0 || !sentOnce || clock.nsecsElapsed() / 1000 >= intervalUs_) {
      clock.restart();
      sentOnce = true;
      return true;
    }
    return false;
  }
  void flushProgress() {
    if (!pendingProgress_) return;
    emit runner_->jobProgress(id_, pendingProgress_->fraction, pendingProgress_->stage);
    pendingProgress_.reset();
  }
  void flushPreview() {
    if (!pendingPreview_) return;
    emit runner_->jobPreview(id_, pendingPreview_->step, pendingPreview_->steps, pendingPreview_->label,
                             pendingPreview_->image);
    pendingPreview_.reset();
  }

  JobRunner* runner_;
  quint64 id_;
  long long intervalUs_;
  QElapsedTimer progressClock_, previewClock_;
  bool progressSent_ = false, previewSent_ = false;
  std::optional<PendingProgress> pendingProgress_;
  std::optional<PendingPreview> pendingPreview_;
};

}  // namespace

void JobWorker::drain() {
  quint64 id;
  JobSpec spec;
  std::shared_ptr<CancelToken> cancel;
  while (runner_->takeNext(&id, &spec, &cancel)) {
    ThrottledSink sink(runner_, id, runner_->minIntervalUs_.load());
    QElapsedTimer timer;
    timer.start();
    JobStatus status = JobStatus::Done;
    QString message;
    JobOutput output;
    try {
      weft::set_threads(runner_->threads());
      if (cancel->stop_now()) throw Cancelled();
      output = spec.run(sink, *cancel);
      if (cancel->stop_after_current()) {
        status = JobStatus::Cancelled;
        message = QObject::tr("stopped after the current item");
      }
    } catch (const Cancelled&) {
      status = JobStatus::Cancelled;
      message = QObject::tr("cancelled");
    } catch (const weft::Error& e) {
      status = JobStatus::Failed;
      message = QString::fromStdString(e.what());
    } catch (const std::exception& e) {
      status = JobStatus::Failed;
      message = QObject::tr("internal error: %1").arg(QString::fromStdString(e.what()));
    }
    sink.flush();
    runner_->complete(id, status, message, timer.nsecsElapsed() / 1e9, std::move(output));
  }
}

}  // namespace weft::studio
