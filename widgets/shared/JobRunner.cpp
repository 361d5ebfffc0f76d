#include "shared/JobRunner.h"

#include <QMutexLocker>

#include "common/cancel_token.h"
#include "shared/JobWorker.h"

namespace weft::studio {

QString statusText(JobStatus s) {
  switch (s) {
    case JobStatus::Queued: return QObject::tr("queued");
    case JobStatus::Running: return QObject::tr("running");
    case JobStatus::Done: return QObject::tr("done");
    case JobStatus::Cancelled: return QObject::tr("cancelled");
    case JobStatus::Failed: return QObject::tr("failed");
  }
  return {};
}

JobRunner::JobRunner(QObject* parent) : QObject(parent) {
  qRegisterMetaType<JobStatus>();
  thread_.setObjectName("weft-jobs");
  worker_ = new JobWorker(this);
  worker_->moveToThread(&thread_);
  connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
  thread_.start();
}

JobRunner::~JobRunner() {
  {
    QMutexLocker lock(&mutex_);
    queue_.clear();
    for (auto& [id, e] : jobs_) e.cancel->request(CancelToken::Mode::Now);
  }
  thread_.quit();
  thread_.wait();
}

void JobRunner::wakeWorker() { QMetaObject::invokeMethod(worker_, &JobWorker::drain, Qt::QueuedConnection); }

quint64 JobRunner::submit(JobSpec spec) {
  quint64 id;
  {
    QMutexLocker lock(&mutex_);
    id = nextId_++;
    Entry e;
    e.record.id = id;
    e.record.spec = std::move(spec);
    e.record.queuedAt = QDateTime::currentDateTime();
    e.cancel = std::make_shared<CancelToken>();
    jobs_.emplace(id, std::move(e));
    queue_.push_back(id);
  }
  emit jobQueued(id);
  wakeWorker();
  return id;
}

quint64 JobRunner::rerun(quint64 id) {
  JobRecord r = record(id);
  return r.id ? submit(r.spec) : 0;
}

void JobRunner::cancelNow(quint64 id) {
  bool dropped = false;
  {
    QMutexLocker lock(&mutex_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return;
    it->second.cancel->request(CancelToken::Mode::Now);
    auto q = std::find(queue_.begin(), queue_.end(), id);
    if (q != queue_.end()) {
      queue_.erase(q);
      it->second.record.status = JobStatus::Cancelled;
      it->second.record.message = tr("cancelled before it started");
      it->second.record.finishedAt = QDateTime::currentDateTime();
      dropped = true;
    }
  }
  if (dropped) emit jobFinished(id);
}

void JobRunner::cancelAfterCurrent(quint64 id) {
  {
    QMutexLocker lock(&mutex_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return;
    if (id != running_) {
      lock.unlock();
      cancelNow(id);  // nothing has started, so there is no current item to finish
      return;
    }
    it->second.cancel->request(CancelToken::Mode::AfterCurrent);
  }
}

void JobRunner::cancelAll() {
  std::vector<quint64> all;
  {
    QMutexLocker lock(&mutex_);
    all.assign(queue_.begin(), queue_.end());
    if (running_) all.push_back(running_);
  }
  for (quint64 id : all) cancelNow(id);
}

void JobRunner::forget(quint64 id) {
  {
    QMutexLocker lock(&mutex_);
    auto it = jobs_.find(id);
    if (it == jobs_.end() || it->second.record.status == JobStatus::Queued ||
        it->second.record.status == JobStatus::Running)
      return;
    jobs_.erase(it);
  }
  emit jobForgotten(id);
}

void JobRunner::setPreviewRate(double perSecond) {
  minIntervalUs_.store(perSecond <= 0 ? 0 : static_cast<long long>(1e6 / perSecond));
}

void JobRunner::setThreads(int n) { threads_.store(n < 1 ? 1 : n); }

JobRecord JobRunner::record(quint64 id) const {
  QMutexLocker lock(&mutex_);
  auto it = jobs_.find(id);
  return it == jobs_.end() ? JobRecord{} : it->second.record;
}

std::vector<quint64> JobRunner::ids() const {
  QMutexLocker lock(&mutex_);
  std::vector<quint64> out;
  for (const auto& [id, e] : jobs_) out.push_back(id);
  return out;
}

quint64 JobRunner::runningId() const {
  QMutexLocker lock(&mutex_);
  return running_;
}

bool JobRunner::idle() const {
  QMutexLocker lock(&mutex_);
  return running_ == 0 && queue_.empty();
}

bool JobRunner::takeNext(quint64* id, JobSpec* spec, std::shared_ptr<CancelToken>* cancel) {
  quint64 taken = 0;
  {
    QMutexLocker lock(&mutex_);
    if (queue_.empty()) return false;
    taken = queue_.front();
    queue_.pop_front();
    Entry& e = jobs_.at(taken);
    e.record.status = JobStatus::Running;
    running_ = taken;
    *id = taken;
    *spec = e.record.spec;
    *cancel = e.cancel;
  }
  emit jobStarted(taken);
  return true;
}

void JobRunner::complete(quint64 id, JobStatus status, const QString& message, double seconds, JobOutput output) {
  {
    QMutexLocker lock(&mutex_);
    running_ = 0;
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return;
    it->second.record.status = status;
    it->second.record.message = message;
    it->second.record.seconds = seconds;
    it->second.record.finishedAt = QDateTime::currentDateTime();
    it->second.record.output = std::move(output);
  }
  emit jobFinished(id);
}

}  // namespace weft::studio
