#include "web/web_properties.h"

#include <cmath>

#include "common/error.h"

namespace weft::web {

const std::array<std::string, kNumProperties>& property_names() {
  static const std::array<std::string, kNumProperties> names = {
      "avg_edge_length", "avg_dx", "avg_dy", "avg_dz", "num_nodes", "num_edges", "avg_node_degree"};
  return names;
}

Properties web_properties(const WebGraph& g) {
  if (g.nodes.empty()) throw Error("cannot measure a web with no nodes", "web properties");
  validate(g, "web properties");
  double length = 0, dx = 0, dy = 0, dz = 0;
  for (const Edge& e : g.edges) {
    const Vec3& a = g.nodes[static_cast<std::size_t>(e.source)];
    const Vec3& b = g.nodes[static_cast<std::size_t>(e.target)];
    const double vx = a.x - b.x, vy = a.y - b.y, vz = a.z - b.z;
    length += std::sqrt(vx * vx + vy * vy + vz * vz);
    dx += vx;
    dy += vy;
    dz += vz;
  }
  const double m = static_cast<double>(g.edges.size());
  const double n = static_cast<double>(g.nodes.size());
  if (m == 0) return {0, 0, 0, 0, n, 0, 0};
  return {length / m, dx / m, dy / m, dz / m, n, m, m / n};
}

}  // namespace weft::web
