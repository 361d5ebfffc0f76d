// Benchmark: graph → watertight mesh → binary STL throughput for a large assembled web. A grid of generated webs
// (orb, sheet, tangle in turn), each 50 mm across, bridged to its neighbours so the whole is one part, with 1 mm
// struts (voxel 0.167 mm). Goal: ≥ 2 M triangles/s for mesh + STL. Median of 3 runs; the last line is the headline.
//   bench_web_mesh [GRID]   GRID × GRID webs (default 3)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/cancel_token.h"
#include "common/progress_sink.h"
#include "web/mesh_io.h"
#include "web/printability.h"
#include "web/strut_mesh.h"
#include "web/web_generator.h"

using namespace weft::web;

namespace {

// Each web scaled to `cell` mm and shifted to its grid cell; node 0 of each web is bridged to its right and upper
// neighbours' node 0 (a long strut, as an assembly's connecting thread).
WebGraph assembled_web(int grid, double cell) {
  WebGraph all;
  std::vector<int> anchor;
  for (int i = 0; i < grid * grid; ++i) {
    WebParams p;
    p.family = WebFamily(i % 3);
    const WebGraph w = generate_web(p, 100 + i);
    const double f = graph_scale_mm(w, 0, cell * 0.9);
    double cx = 0, cy = 0, cz = 0;
    for (const auto& n : w.nodes) cx += n.x, cy += n.y, cz += n.z;
    cx /= w.nodes.size(), cy /= w.nodes.size(), cz /= w.nodes.size();
    const int base = int(all.nodes.size());
    for (const auto& n : w.nodes)
      all.nodes.push_back({(n.x - cx) * f + (i % grid) * cell, (n.y - cy) * f + (i / grid) * cell, (n.z - cz) * f});
    for (const auto& e : w.edges) all.edges.push_back({base + e.source, base + e.target});
    anchor.push_back(base);
  }
  for (int i = 0; i < grid * grid; ++i) {
    if (i % grid + 1 < grid) all.edges.push_back({anchor[i], anchor[i + 1]});
    if (i / grid + 1 < grid) all.edges.push_back({anchor[i], anchor[i + grid]});
  }
  return all;
}

// Keeps the mesher's phase-timing line for the table.
class PhaseSink final : public weft::ProgressSink {
 public:
  void progress(double, std::string_view) override {}
  void log(std::string_view line) override { last = std::string(line); }
  std::string last;
};

}  // namespace

int main(int argc, char** argv) {
  const int grid = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  const WebGraph g = assembled_web(grid, 50.0);
  StrutParams p;
  p.strut_diameter_mm = 1.0;
  const std::string out = "/tmp/weft_bench_web_mesh.stl";
  PhaseSink sink;
  weft::CancelToken cancel;
  using clock = std::chrono::steady_clock;
  auto secs = [](clock::time_point a, clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };

  std::printf("web: %dx%d generated webs, %zu nodes, %zu edges, strut %.1f mm, voxel %.3f mm\n", grid, grid,
              g.nodes.size(), g.edges.size(), p.strut_diameter_mm, effective_voxel_mm(g, p));
  // CPU s (all threads) next to wall time: on a shared machine the wall figure depends on everyone else's load.
  std::printf("%-4s %12s %9s %9s %9s %12s\n", "run", "triangles", "mesh s", "STL s", "CPU s", "M tri/s");
  std::vector<double> rates;
  std::size_t tris = 0;
  bool watertight = true;
  for (int run = 1; run <= 3; ++run) {
    const std::clock_t c0 = std::clock();
    const auto t0 = clock::now();
    const TriMesh m = mesh_struts(g, p, sink, cancel);
    const auto t1 = clock::now();
    write_stl_binary(out, m);
    const auto t2 = clock::now();
    const double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
    tris = m.triangles.size();
    const double rate = double(tris) / secs(t0, t2) / 1e6;
    rates.push_back(rate);
    std::printf("%-4d %12zu %9.3f %9.3f %9.3f %12.2f\n", run, tris, secs(t0, t1), secs(t1, t2), cpu, rate);
    std::printf("     (%s)\n", sink.last.c_str());
    if (run == 1) watertight = check_edges(m).closed_manifold() && mesh_components(m) == 1;
  }
  std::remove(out.c_str());
  std::sort(rates.begin(), rates.end());
  std::printf("watertight, one part: %s\n", watertight ? "yes" : "NO");
  std::printf("web mesh + binary STL: %.2f M triangles/s (median of 3, %zu triangles; goal >= 2)\n", rates[1], tris);
  return watertight ? 0 : 1;
}
