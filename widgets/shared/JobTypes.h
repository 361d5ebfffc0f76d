#pragma once
// What the studio hands to the JobRunner, and what it keeps of a finished job. Light on purpose: panels include
// this, so no LibTorch and no JSON library here (requests travel as JSON text).
#include <QDateTime>
#include <QMetaType>
#include <QString>
#include <functional>
#include <memory>

namespace weft {
class ProgressSink;
class CancelToken;
}

namespace weft::studio {

struct JobOutput {
  QString summary;                  // one line for the history ("12 tensors, 4.2 MB")
  QString resultJson;               // the result with its request as metadata
  std::shared_ptr<void> payload;    // the typed result for the panel that started the job
};

struct JobSpec {
  QString kind;         // "inspect", "matmul-probe", ...
  QString title;        // shown in the queue and history
  QString requestJson;  // the full request: shown as the job's parameters, kept for re-run
  std::function<JobOutput(weft::ProgressSink&, const weft::CancelToken&)> run;
};

enum class JobStatus { Queued, Running, Done, Cancelled, Failed };
QString statusText(JobStatus);

struct JobRecord {
  quint64 id = 0;
  JobSpec spec;
  JobStatus status = JobStatus::Queued;
  QString message;        // error text for Failed, "cancelled" for Cancelled
  double seconds = 0.0;
  QDateTime queuedAt, finishedAt;
  JobOutput output;
};

}  // namespace weft::studio

Q_DECLARE_METATYPE(weft::studio::JobStatus)
