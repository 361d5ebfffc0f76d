#pragma once
// Runs studio jobs one after another on a worker thread (the OBS RemuxWorker pattern: a worker QObject moved to
// a QThread, an atomic cancel flag per job). Progress and previews come back as queued signals, throttled so the
// GUI thread only ever copies a QImage and repaints; the GUI thread never computes.
#include <QImage>
#include <QMutex>
#include <QObject>
#include <QThread>
#include <atomic>
#include <deque>
#include <map>
#include <memory>

#include "shared/JobTypes.h"

namespace weft::studio {

class JobWorker;

class JobRunner : public QObject {
  Q_OBJECT
 public:
  explicit JobRunner(QObject* parent = nullptr);
  ~JobRunner() override;  // cancels everything now and waits for the worker

  quint64 submit(JobSpec spec);
  quint64 rerun(quint64 id);        // a new job with the same spec; 0 if unknown
  void cancelNow(quint64 id);       // queued: dropped; running: stops at its next check
  void cancelAfterCurrent(quint64 id);  // running: finishes the current item (image, epoch) and stops
  void cancelAll();
  void forget(quint64 id);          // delete a finished job from the history

  // ≤ `perSecond` progress/preview signals per job (0 = every call; the last one always arrives).
  void setPreviewRate(double perSecond);
  void setThreads(int n);           // applied by the worker before each job
  int threads() const { return threads_.load(); }

  JobRecord record(quint64 id) const;  // a copy; id 0 if unknown
  std::vector<quint64> ids() const;    // all known jobs in submission order
  quint64 runningId() const;
  bool idle() const;

 signals:
  void jobQueued(quint64 id);
  void jobStarted(quint64 id);
  void jobProgress(quint64 id, double fraction, const QString& stage);
  void jobPreview(quint64 id, int step, int steps, const QString& label, const QImage& image);
  void jobLog(quint64 id, const QString& line);
  void jobMetric(quint64 id, const QString& series, double x, double y);  // never throttled: a few per epoch
  void jobFinished(quint64 id);
  void jobForgotten(quint64 id);

 private:
  friend class JobWorker;
  struct Entry {
    JobRecord record;
    std::shared_ptr<weft::CancelToken> cancel;
  };
  // Worker side: takes the next queued job (marks it running) or returns false.
  bool takeNext(quint64* id, JobSpec* spec, std::shared_ptr<weft::CancelToken>* cancel);
  void complete(quint64 id, JobStatus status, const QString& message, double seconds, JobOutput output);
  void wakeWorker();

  mutable QMutex mutex_;
  std::map<quint64, Entry> jobs_;
  std::deque<quint64> queue_;
  quint64 running_ = 0;
  quint64 nextId_ = 1;
  std::atomic<int> threads_{1};
  std::atomic<long long> minIntervalUs_{1000000 / 30};
  QThread thread_;
  JobWorker* worker_ = nullptr;
};

}  // namespace weft::studio
