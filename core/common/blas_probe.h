#pragma once
// Job: measure the machine's float32 matmul rate through LibTorch. The About dialog runs it, the benchmarks
// quote achieved FLOP/s against it, and the GUI tests use it as a real CPU-heavy job.
#include <cstdint>
#include <vector>

#include "common/cancel_token.h"
#include "common/json_io.h"
#include "common/progress_sink.h"
#include "common/runtime.h"

namespace weft {

struct MatmulProbeRequest {
  int size = 512;      // n of the n×n by n×n product
  int repeats = 20;    // timed products after one warm-up
  int threads = 1;     // intra-op threads for this job
  std::uint64_t seed = 0;

  Json to_json() const;
  static MatmulProbeRequest from_json(const Json&);
  void validate() const;  // throws Error for impossible requests
};

struct MatmulProbeResult {
  MatmulProbeRequest request;
  std::vector<double> gflops;   // one per completed repeat (fewer when cancelled after the current one)
  double median_gflops = 0.0;
  BlasReport blas;
  double seconds = 0.0;

  Json to_json() const;  // includes result_metadata("matmul-probe", request)
};

MatmulProbeResult run_matmul_probe(const MatmulProbeRequest&, ProgressSink&, const CancelToken&);

}  // namespace weft
