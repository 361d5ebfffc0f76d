#include "common/runtime.h"

#include <torch/torch.h>

#include <dlfcn.h>

#include <cstdlib>
#include <sstream>

#include "common/error.h"
#include "common/json_io.h"
#ifdef WEFT_OPENCV
#include <opencv2/core/version.hpp>
#endif

namespace weft {

namespace {

// OpenBLAS keeps its own thread pool; LibTorch's setting does not reach it, so set both.
void set_openblas_threads(int n) {
  using SetFn = void (*)(int);
  if (auto fn = reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) fn(n);
}

}  // namespace

void set_threads(int n) {
  if (n < 1) n = 1;
  at::set_num_threads(n);
  set_openblas_threads(n);
}

int threads() { return at::get_num_threads(); }

int default_threads() {
  if (const char* env = std::getenv("WEFT_THREADS")) {
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && v >= 1 && v <= 1024) return static_cast<int>(v);
  }
  return 1;
}

bool cuda_available() { return torch::cuda::is_available(); }

std::string resolve_device(const std::string& requested) {
  if (requested.empty() || requested == "cpu") return "cpu";
  if (requested == "auto") return cuda_available() ? "cuda" : "cpu";
  if (requested.rfind("cuda", 0) == 0) {
    if (!cuda_available())
      throw Error("device \"" + requested + "\" requested, but this LibTorch build has no usable CUDA device",
                  "settings");
    if (requested == "cuda") return requested;
    if (requested.size() > 5 && requested[4] == ':') {
      char* end = nullptr;
      long index = std::strtol(requested.c_str() + 5, &end, 10);
      if (*end == '\0' && index >= 0 && index < static_cast<long>(torch::cuda::device_count())) return requested;
    }
    throw Error("device \"" + requested + "\" does not exist (" + std::to_string(torch::cuda::device_count()) +
                    " CUDA device(s))", "settings");
  }
  throw Error("unknown device \"" + requested + "\" (use cpu, cuda, cuda:N or auto)", "settings");
}

std::vector<std::string> available_devices() {
  std::vector<std::string> out{"cpu"};
  if (cuda_available())
    for (size_t i = 0; i < torch::cuda::device_count(); ++i) out.push_back("cuda:" + std::to_string(i));
  return out;
}

BlasReport blas_report() {
  BlasReport r;
  // Whichever library resolves sgemm_ first is the one LibTorch's CPU matmul calls.
  void* sgemm = dlsym(RTLD_DEFAULT, "sgemm_");
  Dl_info info{};
  if (sgemm && dladdr(sgemm, &info) && info.dli_fname) {
    char resolved[4096];
    r.path = realpath(info.dli_fname, resolved) ? resolved : info.dli_fname;
  }
  using ConfigFn = char* (*)();
  auto openblas_config = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
  const bool path_is_openblas = r.path.find("openblas") != std::string::npos;
  if (path_is_openblas && openblas_config) {
    r.library = "OpenBLAS";
    r.detail = openblas_config();
  } else if (r.path.find("mkl") != std::string::npos) {
    r.library = "Intel MKL";
  } else if (r.path.find("/blas/") != std::string::npos || r.path.find("libblas.so") != std::string::npos) {
    r.library = "reference BLAS (netlib)";
    r.slow = true;
    r.warning =
        "LibTorch is using the slow reference BLAS (matrix products about 24x slower). "
        "Install OpenBLAS: sudo apt install libopenblas0-pthread";
  } else {
    r.library = r.path.empty() ? "unknown (sgemm_ not found)" : "unknown";
  }
  return r;
}

Versions versions() {
  Versions v;
  v.weft = weft_version();
  v.libtorch = TORCH_VERSION;
#ifdef WEFT_OPENCV
  v.opencv = CV_VERSION;
#else
  v.opencv = "not built";
#endif
#if defined(__clang__)
  v.compiler = std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  v.compiler = std::string("g++ ") + __VERSION__;
#endif
#ifdef NDEBUG
  v.build_type = "release";
#else
  v.build_type = "debug";
#endif
  v.torch_cuda = torch::cuda::is_available();
  return v;
}

std::string runtime_summary() {
  const Versions v = versions();
  const BlasReport b = blas_report();
  std::ostringstream s;
  s << "Weft Studio " << v.weft << " (" << v.build_type << ", " << v.compiler << ")\n"
    << "LibTorch    " << v.libtorch << (v.torch_cuda ? " with CUDA" : " (CPU)") << "\n"
    << "OpenCV      " << v.opencv << "\n"
    << "Devices     ";
  for (const auto& d : available_devices()) s << d << ' ';
  s << "\nThreads     " << threads() << " intra-op (setting; default " << default_threads() << ")\n"
    << "BLAS        " << b.library << (b.path.empty() ? "" : " — " + b.path) << "\n";
  if (!b.detail.empty()) s << "            " << b.detail << "\n";
  if (!b.warning.empty()) s << "WARNING     " << b.warning << "\n";
  return s.str();
}

}  // namespace weft
