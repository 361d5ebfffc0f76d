#pragma once
// Lives on the JobRunner's thread; drains the queue. Internal to JobRunner.
#include <QObject>

namespace weft::studio {

class JobRunner;

class JobWorker : public QObject {
  Q_OBJECT
 public:
  explicit JobWorker(JobRunner* runner) : runner_(runner) {}

 public slots:
  void drain();

 private:
  JobRunner* runner_;
};

}  // namespace weft::studio
