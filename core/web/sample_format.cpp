#include "web/sample_format.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

#include "common/error.h"

namespace weft::web {

namespace {
std::string short_number(float v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

void check_layout(int max_nodes, int max_neighbors, const std::string& where) {
  if (max_nodes < 1) throw Error("max_nodes must be at least 1", where);
  if (max_neighbors < 1 || max_neighbors > kDistanceColumn - kNeighbourColumn)
    throw Error("max_neighbors must be 1..6 (got " + std::to_string(max_neighbors) + ")", where);
}
}  // namespace

std::vector<float> graph_to_rows(const WebGraph& g, int max_nodes, int max_neighbors) {
  const std::string where = "web sample rows";
  check_layout(max_nodes, max_neighbors, where);
  validate(g, where);
  const int n = static_cast<int>(g.nodes.size());
  if (n > max_nodes)
    throw Error("the graph has " + std::to_string(n) + " nodes; a sample holds at most " + std::to_string(max_nodes),
                where);
  std::vector<float> rows(static_cast<std::size_t>(max_nodes) * kRowWidth, 0.0f);
  std::vector<int> used(static_cast<std::size_t>(n), 0);
  for (int i = 0; i < n; ++i) {
    float* r = &rows[static_cast<std::size_t>(i) * kRowWidth];
    const Vec3& p = g.nodes[static_cast<std::size_t>(i)];
    r[0] = static_cast<float>(i + 1);
    r[1] = static_cast<float>(p.x);
    r[2] = static_cast<float>(p.y);
    r[3] = static_cast<float>(p.z);
  }
  for (const Edge& e : g.edges) {
    int& slot = used[static_cast<std::size_t>(e.source)];
    if (slot >= max_neighbors)
      throw Error("node " + std::to_string(e.source) + " lists more than " + std::to_string(max_neighbors) +
                      " neighbours",
                  where);
    float* r = &rows[static_cast<std::size_t>(e.source) * kRowWidth];
    const Vec3& a = g.nodes[static_cast<std::size_t>(e.source)];
    const Vec3& b = g.nodes[static_cast<std::size_t>(e.target)];
    r[kNeighbourColumn + slot] = static_cast<float>(e.target + 1);
    r[kDistanceColumn + slot] =
        static_cast<float>(std::sqrt((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y) + (a.z - b.z) * (a.z - b.z)));
    ++slot;
  }
  return rows;
}

WebGraph rows_to_graph(const float* rows, int n, int max_nodes, int max_neighbors, std::string_view where) {
  const std::string at(where);
  check_layout(max_nodes, max_neighbors, at);
  if (n < 0 || n > max_nodes)
    throw Error("node count " + std::to_string(n) + " is outside 0.." + std::to_string(max_nodes), at);
  WebGraph g;
  g.nodes.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const float* r = rows + static_cast<std::size_t>(i) * kRowWidth;
    g.nodes.push_back({r[1], r[2], r[3]});
  }
  for (int i = 0; i < n; ++i) {
    const float* r = rows + static_cast<std::size_t>(i) * kRowWidth;
    for (int s = 0; s < max_neighbors; ++s) {
      const float v = r[kNeighbourColumn + s];
      if (v == 0.0f) continue;
      if (!std::isfinite(v) || v != std::floor(v) || v < 1.0f || v > static_cast<float>(n))
        throw Error("node " + std::to_string(i) + ", neighbour slot " + std::to_string(s) + " (column " +
                        std::to_string(kNeighbourColumn + s) + "): value " + short_number(v) +
                        " is not a node number in 1.." + std::to_string(n),
                    at);
      g.edges.push_back({i, static_cast<int>(v) - 1});
    }
  }
  validate(g, at);
  return g;
}

Normalization fit_normalization(const std::vector<std::vector<float>>& blocks, const std::vector<Properties>& y) {
  Normalization nz;
  bool first = true;
  for (const auto& b : blocks)
    for (std::size_t r = 0; r + kRowWidth <= b.size(); r += kRowWidth)
      for (int c = 1; c <= 3; ++c) {
        const double v = b[r + static_cast<std::size_t>(c)];
        nz.xyz_min = first ? v : std::min(nz.xyz_min, v);
        nz.xyz_max = first ? v : std::max(nz.xyz_max, v);
        first = false;
      }
  for (std::size_t i = 0; i < y.size(); ++i)
    for (int k = 0; k < kNumProperties; ++k) {
      nz.y_min[k] = i == 0 ? y[i][k] : std::min(nz.y_min[k], y[i][k]);
      nz.y_max[k] = i == 0 ? y[i][k] : std::max(nz.y_max[k], y[i][k]);
    }
  return nz;
}

}  // namespace weft::web
