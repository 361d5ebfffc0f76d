#pragma once
// A spider-web graph as the paper stores it: nodes with xyz and *directed* neighbour entries. The paper's
// neighbour lists are mostly one-directional (node i lists j, j does not list i), and its properties count and
// orient edges by those entries, so the direction is data, not an artefact: keep it.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weft::web {

struct Vec3 {
  double x = 0, y = 0, z = 0;
};

struct Edge {
  int source = 0;  // the node whose neighbour list holds the entry
  int target = 0;
  bool operator==(const Edge& o) const { return source == o.source && target == o.target; }
  bool operator<(const Edge& o) const { return source != o.source ? source < o.source : target < o.target; }
};

struct WebGraph {
  std::vector<Vec3> nodes;
  std::vector<Edge> edges;
};

// Throws weft::Error (where = `where`) naming the first offending node/edge: non-finite coordinates, an index
// outside [0, n), a self-loop, or the same directed entry twice. A reciprocal pair (i→j and j→i) is allowed:
// the paper's lists contain some and count both.
void validate(const WebGraph&, std::string_view where);

// Undirected neighbour sets (each unordered pair once), for degree, connectivity and BFS.
std::vector<std::vector<int>> undirected_adjacency(const WebGraph&);
std::vector<int> undirected_degrees(const WebGraph&);
std::vector<int> out_degrees(const WebGraph&);
bool is_connected(const WebGraph&);  // an empty graph is not

// Edges stably sorted by source (the order the row format stores them in), so graph → rows → graph is identity.
WebGraph canonical(WebGraph);

// The subgraph induced by `keep` (old indices, in the new order); edges keep their direction.
WebGraph induced_subgraph(const WebGraph&, const std::vector<int>& keep);

}  // namespace weft::web
