// Benchmark: Model 3 generation latency. A web is 64 rows, each predicted from all rows before it, with
// classifier-free guidance (two passes per row). Timed side by side in one run, 1 thread, median of 5:
//   cached   — this project's decoder: one new position per row through every layer, keys kept (KV cache);
//   uncached — the official generate's algorithm: the whole prefix through the whole network for every row;
// for the paper's configuration (dim 512, 12 layers, 16 heads; random weights, the cost does not depend on them)
// and for the shipped model when it is present. The last line is the headline ratio.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "web/graph_transformer.h"
#include "web/web_model.h"

using namespace weft::web;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <class F>
double time_ms(F&& f, int runs = 5) {
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return median(t);
}

// The official algorithm: every row re-runs the full causal forward over the prefix, conditional and null.
torch::Tensor generate_uncached(GraphTransformerImpl& net, const torch::Tensor& cond, double scale, int rows) {
  torch::NoGradGuard ng;
  const int64_t B = cond.size(0);
  auto out = torch::zeros({B, 0, net.config().pred_dim()});
  for (int t = 0; t < rows; ++t) {
    auto c = net.forward(cond, torch::ones({B}, torch::kBool), out).select(1, -1);
    auto n = net.forward(cond, torch::zeros({B}, torch::kBool), out).select(1, -1);
    out = torch::cat({out, (n + (c - n) * scale).unsqueeze(1)}, 1);
  }
  return out;
}

void bench(const char* name, GraphTransformerImpl& net, int batch, int runs) {
  net.eval();
  torch::NoGradGuard ng;
  auto cond = torch::rand({batch, 7}) * 2 - 1;
  const int L = net.config().max_length;
  const double cached = time_ms([&] { net.generate(cond, 3.0, L, torch::Tensor()); }, runs);
  const double uncached = time_ms([&] { generate_uncached(net, cond, 3.0, L); }, runs);
  // Both must give the same rows (the cache is an optimisation, not an approximation).
  const double diff = (net.generate(cond, 3.0, L, torch::Tensor()) - generate_uncached(net, cond, 3.0, L)).abs().max().item<double>();
  std::printf("%-34s batch %2d  cached %8.1f ms/web  uncached %8.1f ms/web  ratio %5.1f×  (max |diff| %.1e)\n", name,
              batch, cached / batch, uncached / batch, uncached / cached, diff);
}

}  // namespace

int main(int argc, char** argv) {
  torch::set_num_threads(1);
  std::printf("Model 3 generation: 64 rows, guidance 3 (two passes per row), 1 thread, median of runs\n");
  const std::string shipped = argc > 1 ? argv[1] : std::string(WEFT_SOURCE_DIR) + "/models/web/synthetic/model.json";
  double ratio = 0;
  if (std::filesystem::exists(shipped)) {
    auto m = load_web_model(shipped);
    bench("shipped model", *m->net, 1, 5);
    bench("shipped model", *m->net, 16, 3);
  } else {
    std::printf("(no shipped model at %s)\n", shipped.c_str());
  }
  torch::manual_seed(0);
  GraphTransformer paper(GraphTransformerConfig::paper());
  paper->eval();
  torch::NoGradGuard ng;
  auto cond = torch::rand({1, 7}) * 2 - 1;
  const double cached = time_ms([&] { paper->generate(cond, 3.0, 64, torch::Tensor()); }, 3);
  const double uncached = time_ms([&] { generate_uncached(*paper, cond, 3.0, 64); }, 3);
  ratio = uncached / cached;
  std::printf("%-34s batch  1  cached %8.1f ms/web  uncached %8.1f ms/web\n", "paper config (51 M params)", cached, uncached);
  std::printf("KV-cached generation vs the official per-row recompute, paper config: %.1f× faster\n", ratio);
  return 0;
}
