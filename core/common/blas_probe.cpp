#include "common/blas_probe.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>

#include "common/rng.h"

namespace weft {

Json MatmulProbeRequest::to_json() const {
  return {{"size", size}, {"repeats", repeats}, {"threads", threads}, {"seed", seed}};
}

MatmulProbeRequest MatmulProbeRequest::from_json(const Json& j) {
  MatmulProbeRequest r;
  r.size = json_get(j, "size", r.size);
  r.repeats = json_get(j, "repeats", r.repeats);
  r.threads = json_get(j, "threads", r.threads);
  r.seed = json_get(j, "seed", r.seed);
  r.validate();
  return r;
}

void MatmulProbeRequest::validate() const {
  if (size < 1 || size > 8192) throw Error("size must be between 1 and 8192, got " + std::to_string(size), "matmul probe");
  if (repeats < 1 || repeats > 100000) throw Error("repeats must be between 1 and 100000", "matmul probe");
  if (threads < 1 || threads > 1024) throw Error("threads must be between 1 and 1024", "matmul probe");
}

Json MatmulProbeResult::to_json() const {
  Json j = result_metadata("matmul-probe", request.to_json());
  j["gflops"] = gflops;
  j["median_gflops"] = median_gflops;
  j["blas"] = {{"library", blas.library}, {"path", blas.path}, {"slow", blas.slow}};
  j["seconds"] = seconds;
  return j;
}

MatmulProbeResult run_matmul_probe(const MatmulProbeRequest& req, ProgressSink& sink, const CancelToken& cancel) {
  using clock = std::chrono::steady_clock;
  req.validate();
  const auto t0 = clock::now();
  const int previous_threads = threads();
  set_threads(req.threads);
  MatmulProbeResult res;
  res.request = req;
  res.blas = blas_report();
  auto gen = cpu_generator(req.seed);
  auto a = torch::randn({req.size, req.size}, gen);
  auto b = torch::randn({req.size, req.size}, gen);
  auto c = torch::mm(a, b);  // warm-up: first call pays for thread-pool and page faults
  const double flops = 2.0 * req.size * req.size * req.size;
  for (int i = 0; i < req.repeats; ++i) {
    if (cancel.stop_after_current()) break;
    const auto s = clock::now();
    torch::mm_out(c, a, b);
    const double dt = std::chrono::duration<double>(clock::now() - s).count();
    res.gflops.push_back(flops / std::max(dt, 1e-9) / 1e9);
    sink.progress(double(i + 1) / req.repeats, "matmul " + std::to_string(i + 1) + "/" + std::to_string(req.repeats));
  }
  set_threads(previous_threads);
  if (!res.gflops.empty()) {
    auto sorted = res.gflops;
    std::sort(sorted.begin(), sorted.end());
    res.median_gflops = sorted[sorted.size() / 2];
  }
  res.seconds = std::chrono::duration<double>(clock::now() - t0).count();
  return res;
}

}  // namespace weft
