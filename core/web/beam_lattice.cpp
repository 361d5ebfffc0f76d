#include "web/beam_lattice.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <string>
#include <utility>

#include "common/error.h"

namespace weft::web {

BeamLattice make_beam_lattice(const WebGraph& g, double diameter_mm) {
  if (g.nodes.empty()) throw Error("the graph has no nodes: nothing to print", "beam lattice");
  validate(g, "beam lattice");
  if (g.edges.empty()) throw Error("the graph has no edges: there are no struts to print", "beam lattice");
  if (!(diameter_mm > 0) || !std::isfinite(diameter_mm))
    throw Error("the strut diameter must be a positive number of mm, got " + std::to_string(diameter_mm), "beam lattice");
  const double r = diameter_mm / 2;
  BeamLattice l;
  std::set<std::pair<int, int>> seen;
  std::vector<char> used(g.nodes.size(), 0);
  for (const Edge& e : g.edges) {
    if (!seen.insert(std::minmax(e.source, e.target)).second) continue;  // the other half of a reciprocal pair
    const Vec3 &a = g.nodes[std::size_t(e.source)], &b = g.nodes[std::size_t(e.target)];
    if (std::hypot(b.x - a.x, b.y - a.y, b.z - a.z) < l.min_length_mm) {
      ++l.short_edges;
      continue;
    }
    l.beams.push_back({{std::uint32_t(e.source), std::uint32_t(e.target)}, {r, r}});
    used[std::size_t(e.source)] = used[std::size_t(e.target)] = 1;
  }
  if (l.beams.empty())
    throw Error("every edge is shorter than " + std::to_string(l.min_length_mm) + " mm: there are no struts to print",
                "beam lattice");
  l.isolated_nodes = std::size_t(std::count(used.begin(), used.end(), 0));

  // Onto the bed: shift so the spheres around the nodes that carry beams start at 0 on every axis. Nodes without a
  // beam are shifted along (vertex i stays graph node i) but do not count: they have no geometry.
  double lo[3] = {1e300, 1e300, 1e300};
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    if (!used[i]) continue;
    const Vec3& n = g.nodes[i];
    lo[0] = std::min(lo[0], n.x), lo[1] = std::min(lo[1], n.y), lo[2] = std::min(lo[2], n.z);
  }
  l.vertices.reserve(g.nodes.size());
  for (const Vec3& n : g.nodes)
    l.vertices.push_back({float(n.x - lo[0] + r), float(n.y - lo[1] + r), float(n.z - lo[2] + r)});
  return l;
}

void lattice_bounds(const BeamLattice& l, std::array<double, 3>& lo, std::array<double, 3>& hi) {
  lo = {1e300, 1e300, 1e300}, hi = {-1e300, -1e300, -1e300};
  if (l.beams.empty()) lo = hi = {0, 0, 0};
  // Each beam lies in the convex hull of its two end spheres, so their boxes bound it (exactly, with sphere caps).
  for (const Beam& b : l.beams)
    for (int end = 0; end < 2; ++end)
      for (int k = 0; k < 3; ++k) {
        const double c = l.vertices[b.v[end]][k];
        lo[k] = std::min(lo[k], c - b.r[end]), hi[k] = std::max(hi[k], c + b.r[end]);
      }
}

std::size_t lattice_components(const BeamLattice& l) {
  std::vector<std::uint32_t> parent(l.vertices.size());
  std::iota(parent.begin(), parent.end(), 0u);
  auto find = [&parent](std::uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  std::vector<char> used(l.vertices.size(), 0);
  for (const Beam& b : l.beams) {
    used[b.v[0]] = used[b.v[1]] = 1;
    parent[find(b.v[0])] = find(b.v[1]);
  }
  std::size_t parts = 0;
  for (std::uint32_t i = 0; i < parent.size(); ++i) parts += used[i] && find(i) == i;
  return parts;
}

}  // namespace weft::web
