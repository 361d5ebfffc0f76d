#pragma once
// The machine a job runs on: compute device, intra-op threads, which BLAS LibTorch really calls, versions.
#include <string>
#include <vector>

namespace weft {

// --- threads -------------------------------------------------------------------------------------------------
// One intra-op thread was consistently faster than two on the 2-core shared machines this was measured on, so
// tests and benchmarks default to 1 (env WEFT_THREADS overrides); the studio takes it from its settings.
void set_threads(int n);   // LibTorch intra-op threads and OpenBLAS threads; n < 1 → 1
int threads();
int default_threads();     // WEFT_THREADS if set and valid, else 1

// --- device --------------------------------------------------------------------------------------------------
bool cuda_available();
// "cpu", "cuda", "cuda:N" or "auto" (CUDA when available). Throws Error when the device cannot be used.
std::string resolve_device(const std::string& requested);
std::vector<std::string> available_devices();

// --- BLAS ----------------------------------------------------------------------------------------------------
struct BlasReport {
  std::string library;      // "OpenBLAS", "reference BLAS (netlib)", "Intel MKL", "unknown"
  std::string detail;       // e.g. OpenBLAS config string
  std::string path;         // the shared object that provides sgemm_
  bool slow = false;        // true for the reference BLAS
  std::string warning;      // non-empty when the user should act
};
BlasReport blas_report();   // cheap: inspects which library resolves sgemm_, runs nothing

// --- versions ------------------------------------------------------------------------------------------------
struct Versions {
  std::string weft, libtorch, opencv, compiler, build_type;
  bool torch_cuda = false;
};
Versions versions();

// Multi-line summary for `weft info` and the About dialog.
std::string runtime_summary();

}  // namespace weft
