#include "web/web_generator.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <numeric>
#include <set>
#include <string>
#include <utility>

#include "common/error.h"
#include "common/rng.h"

namespace weft::web {

namespace {

constexpr int kDegreeCap = 5;
constexpr double kPi = 3.14159265358979323846;

using Pair = std::pair<int, int>;

// Rounds to the nearest float. The volatile is deliberate: GCC 12's SLP vectoriser at -O2 drops a plain
// double→float→double round trip over a struct's three members (seen here: x and y came back unrounded).
double to_float_precision(double v) {
  volatile float f = static_cast<float>(v);
  return f;
}

struct UnionFind {
  std::vector<int> parent;
  explicit UnionFind(std::size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  int find(int x) {
    while (parent[static_cast<std::size_t>(x)] != x)
      x = parent[static_cast<std::size_t>(x)] = parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(x)])];
    return x;
  }
  bool unite(int a, int b) {
    a = find(a);
    b = find(b);
    if (a == b) return false;
    parent[static_cast<std::size_t>(a)] = b;
    return true;
  }
};

template <typename T>
void shuffle(std::vector<T>& v, Rng& rng) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

// Irregular families: a random spanning tree of the candidate threads under the degree cap (Kruskal on a
// shuffled list), then extra threads with probability `extra` while both ends have room.
std::vector<Pair> pick_threads(std::size_t n, std::vector<Pair> candidates, double extra, Rng& rng) {
  shuffle(candidates, rng);
  UnionFind uf(n);
  std::vector<int> degree(n, 0);
  std::vector<Pair> chosen;
  std::vector<Pair> rest;
  auto room = [&](const Pair& p) {
    return degree[static_cast<std::size_t>(p.first)] < kDegreeCap && degree[static_cast<std::size_t>(p.second)] < kDegreeCap;
  };
  auto take = [&](const Pair& p) {
    ++degree[static_cast<std::size_t>(p.first)];
    ++degree[static_cast<std::size_t>(p.second)];
    chosen.push_back(p);
  };
  for (const Pair& p : candidates) {
    if (room(p) && uf.find(p.first) != uf.find(p.second)) {
      uf.unite(p.first, p.second);
      take(p);
    } else {
      rest.push_back(p);
    }
  }
  for (const Pair& p : rest)
    if (rng.next_double() < extra && room(p) && uf.find(p.first) == uf.find(p.second)) take(p);
  return chosen;
}

// Orients each thread (farther-from-centre node lists the nearer one), rounds coordinates to float so the row
// format stores them exactly, and keeps the largest connected component.
WebGraph finish(std::vector<Vec3> pts, const std::vector<Pair>& threads) {
  Vec3 c;
  for (const Vec3& p : pts) {
    c.x += p.x / static_cast<double>(pts.size());
    c.y += p.y / static_cast<double>(pts.size());
    c.z += p.z / static_cast<double>(pts.size());
  }
  for (Vec3& q : pts) q = {to_float_precision(q.x), to_float_precision(q.y), to_float_precision(q.z)};
  WebGraph g;
  g.nodes = std::move(pts);
  auto r2 = [&](int i) {
    const Vec3& p = g.nodes[static_cast<std::size_t>(i)];
    return (p.x - c.x) * (p.x - c.x) + (p.y - c.y) * (p.y - c.y) + (p.z - c.z) * (p.z - c.z);
  };
  for (const Pair& t : threads) {
    const bool first_out = r2(t.first) > r2(t.second) || (r2(t.first) == r2(t.second) && t.first > t.second);
    g.edges.push_back(first_out ? Edge{t.first, t.second} : Edge{t.second, t.first});
  }
  // Largest component, nodes in their original order.
  UnionFind uf(g.nodes.size());
  for (const Edge& e : g.edges) uf.unite(e.source, e.target);
  std::vector<int> size(g.nodes.size(), 0);
  for (std::size_t i = 0; i < g.nodes.size(); ++i) ++size[static_cast<std::size_t>(uf.find(static_cast<int>(i)))];
  const int root = static_cast<int>(std::max_element(size.begin(), size.end()) - size.begin());
  std::vector<int> keep;
  for (std::size_t i = 0; i < g.nodes.size(); ++i)
    if (uf.find(static_cast<int>(i)) == root) keep.push_back(static_cast<int>(i));
  return keep.size() == g.nodes.size() ? g : induced_subgraph(g, keep);
}

// Orb: a hub ring, R radials, a capture spiral crossing every radial once per turn, and a frame polygon.
// Every junction has ≤ 4 threads by construction (the hub is a ring, not one node with R spokes).
WebGraph orb(const WebParams& p, Rng& rng) {
  const int turns = std::clamp(static_cast<int>(std::lround(5 * std::sqrt(p.density))) + static_cast<int>(rng.below(3)), 2, 30);
  // Enough radials that a capture thread halfway out spans about 1.5 edge lengths, as the radial steps do.
  const int spokes = std::clamp(static_cast<int>(std::lround(2 * kPi * (turns / 2.0 + 1) / 1.5)) + static_cast<int>(rng.below(3)), 5, 48);
  const double L = p.edge_length, hub = L * spokes / (2 * kPi) * 0.5;
  const double tilt = p.relief * rng.uniform(-1, 1), sx = 1 + p.anisotropy, sy = 1 - p.anisotropy;
  std::vector<double> angle(static_cast<std::size_t>(spokes));
  for (int s = 0; s < spokes; ++s) angle[static_cast<std::size_t>(s)] = 2 * kPi * (s + rng.uniform(-0.2, 0.2)) / spokes;
  std::vector<Vec3> pts;
  auto place = [&](double r, double th) {
    const double jitter = 1 + rng.uniform(-0.05, 0.05);
    const double x = r * jitter * std::cos(th) * sx, y = r * jitter * std::sin(th) * sy;
    pts.push_back({x, y, tilt * x + p.relief * L * rng.uniform(-0.3, 0.3) + p.relief * r * 0.2});
    return static_cast<int>(pts.size()) - 1;
  };
  auto at = [&](int ring, int s) { return spokes + ring * spokes + s; };  // ring -1 = hub, turns = frame
  for (int s = 0; s < spokes; ++s) place(hub, angle[static_cast<std::size_t>(s)]);
  for (int k = 0; k <= turns; ++k)
    for (int s = 0; s < spokes; ++s) {
      const double r = k < turns ? hub + L * (k + 1 + static_cast<double>(s) / spokes) : hub + L * (turns + 1.8);
      place(r, angle[static_cast<std::size_t>(s)]);
    }
  std::vector<Pair> threads;
  for (int s = 0; s < spokes; ++s) {
    threads.push_back({s, (s + 1) % spokes});                        // hub ring
    threads.push_back({at(0, s), s});                                // radial, first segment
    for (int k = 1; k <= turns; ++k) threads.push_back({at(k, s), at(k - 1, s)});  // radial (last one to frame)
    threads.push_back({at(turns, s), at(turns, (s + 1) % spokes)});  // frame polygon
  }
  // The spiral: along each turn, then on to the next turn; a few capture threads are broken, as in real webs.
  for (int k = 0; k < turns; ++k)
    for (int s = 0; s < spokes; ++s) {
      const bool last = s + 1 == spokes;
      if (last && k + 1 == turns) continue;
      if (rng.next_double() < 0.04) continue;
      threads.push_back({at(k, s), last ? at(k + 1, 0) : at(k, s + 1)});
    }
  return finish(std::move(pts), threads);
}

// Sheet: a jittered triangular lattice (6 candidate threads per junction) thinned to ≤ 5, sagging slightly.
WebGraph sheet(const WebParams& p, Rng& rng) {
  const int w = std::clamp(static_cast<int>(std::lround(10 * std::sqrt(p.density))) + static_cast<int>(rng.below(3)), 4, 60);
  const int h = std::clamp(static_cast<int>(std::lround(8 * std::sqrt(p.density))) + static_cast<int>(rng.below(3)), 4, 60);
  const double L = p.edge_length, span = L * std::max(w, h) / 2.0;
  std::vector<Vec3> pts;
  for (int j = 0; j < h; ++j)
    for (int i = 0; i < w; ++i) {
      const double x = (i + 0.5 * (j % 2) + rng.uniform(-0.25, 0.25) - w / 2.0) * L * (1 + p.anisotropy);
      const double y = (j * 0.866 + rng.uniform(-0.25, 0.25) - h * 0.433) * L * (1 - p.anisotropy);
      const double bowl = 1 - (x * x + y * y) / (2 * span * span);
      pts.push_back({x, y, p.relief * span * bowl + p.relief * L * rng.uniform(-0.5, 0.5)});
    }
  std::vector<Pair> cand;
  auto id = [&](int i, int j) { return j * w + i; };
  for (int j = 0; j < h; ++j)
    for (int i = 0; i < w; ++i) {
      if (i + 1 < w) cand.push_back({id(i, j), id(i + 1, j)});
      if (j + 1 < h) cand.push_back({id(i, j), id(i, j + 1)});
      const int di = j % 2 ? i + 1 : i - 1;  // the other upper neighbour of an offset row
      if (j + 1 < h && di >= 0 && di < w) cand.push_back({id(i, j), id(di, j + 1)});
    }
  auto threads = pick_threads(pts.size(), std::move(cand), std::clamp(0.35 * p.density, 0.05, 0.9), rng);
  return finish(std::move(pts), threads);
}

// Tangle (cobweb): random junctions in a box, threads among the 6 nearest neighbours, thinned to ≤ 5.
WebGraph tangle(const WebParams& p, Rng& rng) {
  const int n = std::clamp(static_cast<int>(std::lround(90 * p.density)) + static_cast<int>(rng.below(20)), 24, 2000);
  const double side = p.edge_length * std::cbrt(static_cast<double>(n)) * 0.9;
  std::vector<Vec3> pts(static_cast<std::size_t>(n));
  for (Vec3& q : pts)
    q = {rng.uniform(-0.5, 0.5) * side * (1 - 0.5 * p.anisotropy), rng.uniform(-0.5, 0.5) * side * (1 - 0.5 * p.anisotropy),
         rng.uniform(-0.5, 0.5) * side * (1 + p.anisotropy)};
  std::vector<Pair> cand;
  for (int i = 0; i < n; ++i) {
    std::vector<std::pair<double, int>> d;
    for (int j = 0; j < n; ++j) {
      if (j == i) continue;
      const Vec3 &a = pts[static_cast<std::size_t>(i)], &b = pts[static_cast<std::size_t>(j)];
      d.push_back({(a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y) + (a.z - b.z) * (a.z - b.z), j});
    }
    const std::size_t k = std::min<std::size_t>(6, d.size());
    std::partial_sort(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(k), d.end());
    for (std::size_t m = 0; m < k; ++m) cand.push_back({std::min(i, d[m].second), std::max(i, d[m].second)});
  }
  std::sort(cand.begin(), cand.end());
  cand.erase(std::unique(cand.begin(), cand.end()), cand.end());
  auto threads = pick_threads(pts.size(), std::move(cand), std::clamp(0.3 * p.density, 0.05, 0.9), rng);
  return finish(std::move(pts), threads);
}

void check_range(double v, double lo, double hi, const char* name) {
  if (!(v >= lo && v <= hi))
    throw Error(std::string(name) + " = " + std::to_string(v) + " is outside " + std::to_string(lo) + ".." +
                    std::to_string(hi), "web generator");
}

}  // namespace

const char* family_name(WebFamily f) {
  switch (f) {
    case WebFamily::Orb: return "orb";
    case WebFamily::Sheet: return "sheet";
    case WebFamily::Tangle: return "tangle";
  }
  return "?";
}

WebGraph generate_web(const WebParams& p, std::uint64_t seed) {
  check_range(p.density, 0.25, 4.0, "density");
  check_range(p.edge_length, 1e-6, 1e6, "edge_length");
  check_range(p.anisotropy, 0.0, 0.9, "anisotropy");
  check_range(p.relief, 0.0, 1.0, "relief");
  Rng rng(seed);
  switch (p.family) {
    case WebFamily::Orb: return orb(p, rng);
    case WebFamily::Sheet: return sheet(p, rng);
    case WebFamily::Tangle: return tangle(p, rng);
  }
  throw Error("unknown web family", "web generator");
}

WebGraph bfs_sample(const WebGraph& g, int start, int size) {
  const int n = static_cast<int>(g.nodes.size());
  if (start < 0 || start >= n) throw Error("BFS start node " + std::to_string(start) + " does not exist", "web sampling");
  const auto adj = undirected_adjacency(g);
  std::vector<char> seen(g.nodes.size(), 0);
  std::vector<int> order{start};
  seen[static_cast<std::size_t>(start)] = 1;
  for (std::size_t head = 0; head < order.size() && static_cast<int>(order.size()) < size; ++head)
    for (int w : adj[static_cast<std::size_t>(order[head])]) {
      if (static_cast<int>(order.size()) >= size) break;
      if (!seen[static_cast<std::size_t>(w)]) {
        seen[static_cast<std::size_t>(w)] = 1;
        order.push_back(w);
      }
    }
  return induced_subgraph(g, order);
}

WebGraph bfs_sample_ccw(const WebGraph& g, int start, int size) {
  const int n = static_cast<int>(g.nodes.size());
  if (start < 0 || start >= n) throw Error("BFS start node " + std::to_string(start) + " does not exist", "web sampling");
  const auto adj = undirected_adjacency(g);
  std::vector<char> seen(g.nodes.size(), 0);
  std::vector<int> order{start}, parent(g.nodes.size(), -1);
  seen[static_cast<std::size_t>(start)] = 1;
  constexpr double kTwoPi = 6.283185307179586;
  for (std::size_t head = 0; head < order.size() && static_cast<int>(order.size()) < size; ++head) {
    const int u = order[head];
    const Vec3& pu = g.nodes[std::size_t(u)];
    double ref = 0;  // angle of the direction back to the parent (+x for the start node)
    if (parent[std::size_t(u)] >= 0) {
      const Vec3& pp = g.nodes[std::size_t(parent[std::size_t(u)])];
      ref = std::atan2(pp.y - pu.y, pp.x - pu.x);
    }
    std::vector<std::pair<double, int>> next;
    for (int w : adj[std::size_t(u)]) {
      if (seen[std::size_t(w)]) continue;
      const Vec3& pw = g.nodes[std::size_t(w)];
      double a = std::atan2(pw.y - pu.y, pw.x - pu.x) - ref;
      while (a < 0) a += kTwoPi;  // [0, 2π), counterclockwise from the reference direction
      while (a >= kTwoPi) a -= kTwoPi;
      next.push_back({a, w});
    }
    std::sort(next.begin(), next.end());
    for (const auto& [angle, w] : next) {
      if (static_cast<int>(order.size()) >= size) break;
      seen[std::size_t(w)] = 1;
      parent[std::size_t(w)] = u;
      order.push_back(w);
    }
  }
  return induced_subgraph(g, order);
}

std::vector<WebGraph> synthetic_samples(const DatasetParams& d, std::uint64_t seed) {
  if (d.count < 0) throw Error("sample count must be ≥ 0", "web dataset");
  if (d.min_nodes < 2 || d.max_nodes < d.min_nodes || d.max_nodes > 4096)
    throw Error("sample sizes must satisfy 2 ≤ min_nodes ≤ max_nodes (got " + std::to_string(d.min_nodes) + ".." +
                    std::to_string(d.max_nodes) + ")", "web dataset");
  std::vector<WebGraph> out;
  out.reserve(static_cast<std::size_t>(d.count));
  for (int i = 0; i < d.count; ++i) {
    Rng rng(Rng::derive(seed, static_cast<std::uint64_t>(i)));
    WebParams p;
    p.family = static_cast<WebFamily>(i % 3);
    p.density = rng.uniform(d.density_min, d.density_max);
    p.edge_length = rng.uniform(d.edge_length_min, d.edge_length_max);
    p.anisotropy = rng.uniform(d.anisotropy_min, d.anisotropy_max);
    p.relief = d.relief;
    const int size = d.min_nodes + static_cast<int>(rng.below(static_cast<std::uint64_t>(d.max_nodes - d.min_nodes + 1)));
    WebGraph web = generate_web(p, rng.next_u64());
    // A web smaller than the wanted sample (only at tiny densities) is regrown denser until it is large enough.
    for (int tries = 0; static_cast<int>(web.nodes.size()) < size && tries < 8; ++tries) {
      p.density = std::min(4.0, p.density * 1.5);
      web = generate_web(p, rng.next_u64());
    }
    if (static_cast<int>(web.nodes.size()) < d.min_nodes)
      throw Error("could not grow a web of " + std::to_string(d.min_nodes) + " nodes", "web dataset");
    const int start = static_cast<int>(rng.below(web.nodes.size()));
    const int take = std::min(size, static_cast<int>(web.nodes.size()));
    WebGraph sample = d.canonical ? bfs_sample_ccw(web, start, take) : bfs_sample(web, start, take);
    if (d.growth_order) {
      // A reciprocal pair becomes one entry; a node still lists at most its ≤ 5 distinct neighbours.
      std::set<Edge> entries;
      for (const Edge& e : sample.edges) entries.insert({std::max(e.source, e.target), std::min(e.source, e.target)});
      sample.edges.assign(entries.begin(), entries.end());
    }
    if (d.root_at_origin) {
      const Vec3 root = sample.nodes.front();
      for (Vec3& p : sample.nodes) p = {p.x - root.x, p.y - root.y, p.z - root.z};
    }
    if (d.canonical && sample.nodes.size() >= 2) {  // turn about z (through the first node) so node 1 is on +x
      const Vec3 o = sample.nodes[0], q = sample.nodes[1];
      const double a = -std::atan2(q.y - o.y, q.x - o.x), c = std::cos(a), s = std::sin(a);
      for (Vec3& p : sample.nodes) {
        const double x = p.x - o.x, y = p.y - o.y;
        p = {o.x + c * x - s * y, o.y + s * x + c * y, p.z};
      }
    }
    out.push_back(std::move(sample));
  }
  return out;
}

DatasetParams generator_dataset_params(int max_nodes, const std::string& layout) {
  if (layout != "growth" && layout != "canonical")
    throw Error("unknown sample layout \"" + layout + "\" (growth or canonical)", "web dataset");
  DatasetParams d;
  d.max_nodes = std::min(d.max_nodes, max_nodes);
  d.growth_order = true;
  d.root_at_origin = true;
  d.canonical = layout == "canonical";
  return d;
}

}  // namespace weft::web
