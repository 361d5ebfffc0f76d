// Benchmark: how long the GUI event loop can go without turning while heavy jobs run on the JobRunner.
// Goal: the largest gap between 5 ms timer ticks stays under 50 ms. Prints a table and, last, the headline.
#include <QApplication>
#include <QElapsedTimer>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <vector>

#include "../tests/gui_jobs.h"
#include "shared/JobRunner.h"

using namespace weft;
using namespace weft::studio;

static qint64 worstGapDuring(JobRunner& runner, const JobSpec& spec) {
  QElapsedTimer clock;
  qint64 last = 0, worst = 0;
  QTimer tick;
  tick.setInterval(5);
  QObject::connect(&tick, &QTimer::timeout, [&] {
    const qint64 now = clock.elapsed();
    worst = std::max(worst, now - last);
    last = now;
  });
  QEventLoop loop;
  quint64 id = runner.submit(spec);
  QObject::connect(&runner, &JobRunner::jobFinished, &loop, [&](quint64 done) {
    if (done == id) loop.quit();
  });
  clock.start();
  tick.start();
  loop.exec();
  return worst;
}

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  JobRunner runner;
  runner.setPreviewRate(30);
  std::atomic<int> done{0};
  struct Case {
    const char* name;
    JobSpec spec;
  } cases[] = {{"matmul 768^3 x 20 (LibTorch)", testing::matmulJob(768, 20)},
               {"300 steps, 64x64 preview each", testing::steppedJob(300, 3, &done)}};
  std::printf("%-34s %10s %10s %10s\n", "job", "median ms", "max ms", "runs");
  qint64 overall = 0;
  for (auto& c : cases) {
    std::vector<qint64> gaps;
    for (int run = 0; run < 5; ++run) gaps.push_back(worstGapDuring(runner, c.spec));
    std::sort(gaps.begin(), gaps.end());
    std::printf("%-34s %10lld %10lld %10zu\n", c.name, gaps[gaps.size() / 2], gaps.back(), gaps.size());
    overall = std::max(overall, gaps[gaps.size() / 2]);
  }
  std::printf("largest GUI stall (median of 5 runs, worst job): %lld ms vs 50 ms goal — %s\n", overall,
              overall < 50 ? "met" : "NOT met");
  return 0;
}
