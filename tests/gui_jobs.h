#pragma once
// Jobs used by the GUI tests and the event-loop benchmark: real work through the real JobRunner.
#include <QThread>
#include <chrono>
#include <thread>

#include "common/blas_probe.h"
#include "common/cancel_token.h"
#include "common/progress_sink.h"
#include "shared/JobTypes.h"

namespace weft::testing {

// `steps` steps of `stepMs` busy CPU work each; checks the token between steps like every core job.
inline studio::JobSpec steppedJob(int steps, int stepMs, std::atomic<int>* done) {
  studio::JobSpec spec;
  spec.kind = "test";
  spec.title = QString("stepped %1 x %2 ms").arg(steps).arg(stepMs);
  spec.requestJson = QString(R"({"steps": %1, "step_ms": %2})").arg(steps).arg(stepMs);
  spec.run = [=](ProgressSink& sink, const CancelToken& cancel) {
    for (int i = 0; i < steps; ++i) {
      cancel.throw_if_stopped();
      if (cancel.stop_after_current()) break;
      const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(stepMs);
      volatile double x = 0;
      while (std::chrono::steady_clock::now() < until) x = x + 1.0;  // busy: occupies a core like real work
      done->fetch_add(1);
      sink.progress(double(i + 1) / steps, "step");
      Preview p;
      p.step = i;
      p.steps = steps;
      p.image.width = p.image.height = 64;
      p.image.pixels.assign(64 * 64 * 3, std::uint8_t(i));
      sink.preview(p);
    }
    studio::JobOutput out;
    out.summary = QString("%1 steps").arg(done->load());
    return out;
  };
  return spec;
}

// The matmul probe: LibTorch + BLAS at full load, as a real model job would be.
inline studio::JobSpec matmulJob(int size, int repeats) {
  MatmulProbeRequest req;
  req.size = size;
  req.repeats = repeats;
  studio::JobSpec spec;
  spec.kind = "matmul-probe";
  spec.title = "matmul probe";
  spec.requestJson = QString::fromStdString(req.to_json().dump());
  spec.run = [req](ProgressSink& sink, const CancelToken& cancel) {
    auto res = run_matmul_probe(req, sink, cancel);
    studio::JobOutput out;
    out.summary = QString::number(res.median_gflops);
    return out;
  };
  return spec;
}

}  // namespace weft::testing
