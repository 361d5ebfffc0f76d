// JobRunner: runs jobs off the GUI thread, cancels within one step, throttles, keeps history.
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTimer>
#include <QtTest>

#include "gui_jobs.h"
#include "shared/JobRunner.h"

using namespace weft;
using namespace weft::studio;

namespace {
bool waitFinished(JobRunner& runner, quint64 id, int ms) {
  QElapsedTimer t;
  t.start();
  while (t.elapsed() < ms) {
    JobStatus s = runner.record(id).status;
    if (s != JobStatus::Queued && s != JobStatus::Running) return true;
    QTest::qWait(5);
  }
  return false;
}
}  // namespace

class TestJobRunner : public QObject {
  Q_OBJECT
 private slots:
  void runsOnAWorkerThread() {
    JobRunner runner;
    Qt::HANDLE jobThread = nullptr;
    JobSpec spec;
    spec.title = "thread probe";
    spec.run = [&](ProgressSink&, const CancelToken&) {
      jobThread = QThread::currentThreadId();
      return JobOutput{"ok", {}, {}};
    };
    quint64 id = runner.submit(spec);
    QVERIFY(waitFinished(runner, id, 5000));
    QVERIFY(jobThread != nullptr);
    QVERIFY(jobThread != QThread::currentThreadId());
    QCOMPARE(runner.record(id).status, JobStatus::Done);
    QCOMPARE(runner.record(id).output.summary, QString("ok"));
  }

  void cancelNowStopsWithinOneStep() {
    JobRunner runner;
    runner.setPreviewRate(0);
    std::atomic<int> done{0};
    const int stepMs = 50;
    quint64 id = runner.submit(testing::steppedJob(1000, stepMs, &done));
    QTRY_VERIFY_WITH_TIMEOUT(done.load() >= 3, 5000);
    QElapsedTimer t;
    t.start();
    const int before = done.load();
    runner.cancelNow(id);
    QVERIFY(waitFinished(runner, id, 5000));
    const qint64 latency = t.elapsed();
    QCOMPARE(runner.record(id).status, JobStatus::Cancelled);
    // At most the step in flight completes after the request.
    QVERIFY2(done.load() - before <= 1, qPrintable(QString("%1 steps ran after cancel").arg(done.load() - before)));
    QVERIFY2(latency < 3 * stepMs + 200, qPrintable(QString("cancel took %1 ms").arg(latency)));
    qInfo("cancel latency %lld ms with %d ms steps", latency, stepMs);
  }

  void cancelAfterCurrentFinishesTheItem() {
    JobRunner runner;
    std::atomic<int> done{0};
    quint64 id = runner.submit(testing::steppedJob(1000, 30, &done));
    QTRY_VERIFY_WITH_TIMEOUT(done.load() >= 2, 5000);
    runner.cancelAfterCurrent(id);
    QVERIFY(waitFinished(runner, id, 5000));
    JobRecord r = runner.record(id);
    QCOMPARE(r.status, JobStatus::Cancelled);
    QVERIFY(done.load() < 1000);
    QCOMPARE(r.output.summary, QString("%1 steps").arg(done.load()));  // partial result is kept
  }

  void queuedJobsRunInOrderAndCanBeDropped() {
    JobRunner runner;
    std::atomic<int> a{0}, b{0}, c{0};
    QSignalSpy started(&runner, &JobRunner::jobStarted);
    quint64 first = runner.submit(testing::steppedJob(5, 20, &a));
    quint64 second = runner.submit(testing::steppedJob(5, 20, &b));
    quint64 third = runner.submit(testing::steppedJob(5, 20, &c));
    runner.cancelNow(second);  // still queued: dropped without running
    QVERIFY(waitFinished(runner, third, 5000));
    QVERIFY(waitFinished(runner, first, 5000));
    QCOMPARE(runner.record(second).status, JobStatus::Cancelled);
    QCOMPARE(b.load(), 0);
    QCOMPARE(a.load(), 5);
    QCOMPARE(c.load(), 5);
    QCOMPARE(started.count(), 2);
    QCOMPARE(started.at(0).at(0).toULongLong(), first);
    QCOMPARE(started.at(1).at(0).toULongLong(), third);
    // History: re-run repeats the same spec; delete forgets it.
    quint64 again = runner.rerun(first);
    QVERIFY(again != 0 && again != first);
    QVERIFY(waitFinished(runner, again, 5000));
    QCOMPARE(runner.record(again).spec.requestJson, runner.record(first).spec.requestJson);
    runner.forget(first);
    QCOMPARE(runner.record(first).id, quint64(0));
  }

  void failuresAreReportedNotThrown() {
    JobRunner runner;
    JobSpec spec;
    spec.title = "fails";
    spec.run = [](ProgressSink&, const CancelToken&) -> JobOutput { throw Error("bad value 7", "input.csv line 3"); };
    quint64 id = runner.submit(spec);
    QVERIFY(waitFinished(runner, id, 5000));
    QCOMPARE(runner.record(id).status, JobStatus::Failed);
    QCOMPARE(runner.record(id).message, QString("input.csv line 3: bad value 7"));
  }

  void progressIsThrottledButTheLastArrives() {
    JobRunner runner;
    runner.setPreviewRate(10);  // ≤ 10 per second
    QSignalSpy progress(&runner, &JobRunner::jobProgress);
    QSignalSpy previews(&runner, &JobRunner::jobPreview);
    std::atomic<int> done{0};
    quint64 id = runner.submit(testing::steppedJob(100, 5, &done));  // ~0.5 s, 100 updates
    QVERIFY(waitFinished(runner, id, 10000));
    QTRY_VERIFY(!progress.isEmpty());
    QCoreApplication::processEvents();
    QVERIFY2(progress.count() <= 12, qPrintable(QString("%1 progress signals").arg(progress.count())));
    QCOMPARE(progress.last().at(1).toDouble(), 1.0);
    QVERIFY(previews.count() <= 12);
    QCOMPARE(previews.last().at(1).toInt(), 99);  // the final preview is never dropped
    QImage img = previews.last().at(4).value<QImage>();
    QCOMPARE(img.size(), QSize(64, 64));
    QCOMPARE(qRed(img.pixel(10, 10)), 99);
    // Unthrottled: every preview arrives (what a per-scale preview test needs).
    runner.setPreviewRate(0);
    previews.clear();
    id = runner.submit(testing::steppedJob(10, 1, &done));
    QVERIFY(waitFinished(runner, id, 5000));
    QTRY_COMPARE(previews.count(), 10);
  }

  void guiKeepsTurningDuringHeavyJob() {
    JobRunner runner;
    runner.setPreviewRate(30);
    std::atomic<int> done{0};
    QElapsedTimer clock;
    qint64 last = 0, worst = 0;
    QTimer tick;
    tick.setInterval(5);
    connect(&tick, &QTimer::timeout, [&] {
      const qint64 now = clock.elapsed();
      worst = std::max(worst, now - last);
      last = now;
    });
    clock.start();
    tick.start();
    quint64 a = runner.submit(testing::matmulJob(768, 15));
    quint64 b = runner.submit(testing::steppedJob(200, 5, &done));
    QVERIFY(waitFinished(runner, a, 60000));
    QVERIFY(waitFinished(runner, b, 60000));
    tick.stop();
    qInfo("largest gap between 5 ms timer ticks while jobs ran: %lld ms", worst);
    QVERIFY2(worst < 500, qPrintable(QString("GUI thread stalled for %1 ms").arg(worst)));
  }
};

QTEST_MAIN(TestJobRunner)
#include "test_job_runner.moc"
