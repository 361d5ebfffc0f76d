#pragma once
// Synthetic spider webs: the embedded default dataset (the paper's own data is not obtainable here). Three
// families, each with the same knobs; every web is connected, every node has at most 5 distinct neighbours
// (so it fits the 5 neighbour slots) and coordinates are float-representable (so the row format is exact).
// Edge direction follows the paper's data: the node farther from the web's centre lists the nearer one, so
// neighbour lists are one-directional and a sample's mean dx/dy/dz depends on where it was cut.
#include <cstdint>
#include <vector>

#include "web/web_graph.h"

namespace weft::web {

enum class WebFamily { Orb, Sheet, Tangle };
const char* family_name(WebFamily);

struct WebParams {
  WebFamily family = WebFamily::Orb;
  double density = 1.0;       // 0.25..4: orb spokes and turns, sheet lattice size and cross links, tangle nodes
  double edge_length = 10.0;  // > 0: typical thread length between junctions (web units)
  double anisotropy = 0.0;    // 0..0.9: stretch along x and squash along y (tangle: stretch along z)
  double relief = 0.1;        // 0..1: out-of-plane depth relative to the web's size ("slight 3D")
};

// Same params + seed → identical graph. Throws weft::Error for knobs out of range.
WebGraph generate_web(const WebParams&, std::uint64_t seed);

// The paper's inductive sampling: the first `size` nodes reached by breadth-first search from `start`
// (undirected), renumbered in BFS order, with the edges among them. Connected by construction.
WebGraph bfs_sample(const WebGraph&, int start, int size);
// The same nodes in a geometric order: each node's unvisited neighbours are visited counterclockwise (in xy),
// starting from the direction back to the node it was reached from (the start node: from +x). For a sequence
// model this makes "where does the next node go" one answer instead of several (see DatasetParams::canonical).
WebGraph bfs_sample_ccw(const WebGraph&, int start, int size);

struct DatasetParams {
  int count = 1000;
  int min_nodes = 8, max_nodes = 64;     // sample sizes, uniform in [min, max]
  double density_min = 0.5, density_max = 2.0;
  double edge_length_min = 5.0, edge_length_max = 15.0;
  double anisotropy_min = 0.0, anisotropy_max = 0.5;
  double relief = 0.1;
  // Layout of each sample for sequence models. growth_order: every entry points from the later node (in the BFS
  // numbering) to the earlier one, so each new node lists nodes already placed (instead of "farther from the web's
  // centre lists nearer"); mean dx/dy/dz then say which way the sample grows from its first node. root_at_origin:
  // the sample is translated so its first node sits at (0, 0, 0) (all 7 properties are translation-invariant).
  bool growth_order = false;
  bool root_at_origin = false;
  // canonical: BFS in counterclockwise order (bfs_sample_ccw) and the sample turned about z so its second node
  // lies on +x. A model trained on plain BFS order sees the next node's direction as a coin toss among a node's
  // neighbours, and MSE then predicts their mean — a point next to the parent, i.e. threads far too short.
  bool canonical = false;
};
// What `weft web train` and `weft web eval` use for their synthetic data: the defaults with the layout options on.
// Layout "growth": growth_order + root_at_origin (models trained before the canonical layout); "canonical": also
// `canonical`. Anything else is an Error.
DatasetParams generator_dataset_params(int max_nodes, const std::string& layout = "canonical");

// Sample i uses its own stream Rng::derive(seed, i), cycling the three families, so a dataset of N is a prefix
// of one of N + k with the same seed.
std::vector<WebGraph> synthetic_samples(const DatasetParams&, std::uint64_t seed);

}  // namespace weft::web
