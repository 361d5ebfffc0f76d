#include "web/web_graph.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "common/error.h"

namespace weft::web {

void validate(const WebGraph& g, std::string_view where) {
  const std::string at(where);
  const int n = static_cast<int>(g.nodes.size());
  for (int i = 0; i < n; ++i) {
    const Vec3& p = g.nodes[static_cast<std::size_t>(i)];
    if (!std::isfinite(p.x) || !std::isfinite(p.y) || !std::isfinite(p.z))
      throw Error("node " + std::to_string(i) + " has a non-finite coordinate (NaN or infinity)", at);
  }
  std::set<std::pair<int, int>> seen;
  for (std::size_t e = 0; e < g.edges.size(); ++e) {
    const Edge& ed = g.edges[e];
    const std::string name = "edge " + std::to_string(e) + " (" + std::to_string(ed.source) + " -> " +
                             std::to_string(ed.target) + ")";
    if (ed.source < 0 || ed.source >= n || ed.target < 0 || ed.target >= n)
      throw Error(name + " refers to a node outside 0.." + std::to_string(n - 1) + " (the graph has " +
                      std::to_string(n) + " nodes)",
                  at);
    if (ed.source == ed.target) throw Error(name + " is a self-loop", at);
    if (!seen.insert({ed.source, ed.target}).second) throw Error(name + " is listed twice", at);
  }
}

std::vector<std::vector<int>> undirected_adjacency(const WebGraph& g) {
  const int n = static_cast<int>(g.nodes.size());
  std::vector<std::set<int>> sets(g.nodes.size());
  for (const Edge& e : g.edges) {
    if (e.source < 0 || e.source >= n || e.target < 0 || e.target >= n || e.source == e.target) continue;
    sets[static_cast<std::size_t>(e.source)].insert(e.target);
    sets[static_cast<std::size_t>(e.target)].insert(e.source);
  }
  std::vector<std::vector<int>> adj(sets.size());
  for (std::size_t i = 0; i < sets.size(); ++i) adj[i].assign(sets[i].begin(), sets[i].end());
  return adj;
}

std::vector<int> undirected_degrees(const WebGraph& g) {
  std::vector<int> d;
  for (const auto& a : undirected_adjacency(g)) d.push_back(static_cast<int>(a.size()));
  return d;
}

std::vector<int> out_degrees(const WebGraph& g) {
  std::vector<int> d(g.nodes.size(), 0);
  for (const Edge& e : g.edges)
    if (e.source >= 0 && static_cast<std::size_t>(e.source) < d.size()) ++d[static_cast<std::size_t>(e.source)];
  return d;
}

bool is_connected(const WebGraph& g) {
  if (g.nodes.empty()) return false;
  const auto adj = undirected_adjacency(g);
  std::vector<char> seen(adj.size(), 0);
  std::vector<int> stack{0};
  seen[0] = 1;
  std::size_t count = 1;
  while (!stack.empty()) {
    const int v = stack.back();
    stack.pop_back();
    for (int w : adj[static_cast<std::size_t>(v)])
      if (!seen[static_cast<std::size_t>(w)]) {
        seen[static_cast<std::size_t>(w)] = 1;
        ++count;
        stack.push_back(w);
      }
  }
  return count == adj.size();
}

WebGraph canonical(WebGraph g) {
  std::stable_sort(g.edges.begin(), g.edges.end(), [](const Edge& a, const Edge& b) { return a.source < b.source; });
  return g;
}

WebGraph induced_subgraph(const WebGraph& g, const std::vector<int>& keep) {
  std::vector<int> map(g.nodes.size(), -1);
  WebGraph out;
  for (int old : keep) {
    map[static_cast<std::size_t>(old)] = static_cast<int>(out.nodes.size());
    out.nodes.push_back(g.nodes[static_cast<std::size_t>(old)]);
  }
  for (const Edge& e : g.edges) {
    const int s = map[static_cast<std::size_t>(e.source)], t = map[static_cast<std::size_t>(e.target)];
    if (s >= 0 && t >= 0) out.edges.push_back({s, t});
  }
  return out;
}

}  // namespace weft::web
