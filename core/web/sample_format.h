#pragma once
// The paper's per-sample encoding: a [max_nodes, 16] float block, one row per node, rows ≥ n all zero.
//   col 0            ordinal node number 1..n
//   cols 1..3        x, y, z
//   cols 4..4+s-1    neighbour slots: 1-based node numbers, 0 = empty (s = max_neighbors, at most 6)
//   cols 10..10+s-1  Euclidean distance to the neighbour in the matching slot (0 when empty)
// Column 9 (the unused sixth slot when s = 5) and 15 stay 0, as in the paper's file. A graph's directed entries
// i→j become slot values j+1 in row i, in edge order, so canonical(g) → rows → graph is the identity.
#include <array>
#include <string_view>
#include <vector>

#include "web/web_graph.h"
#include "web/web_properties.h"

namespace weft::web {

constexpr int kRowWidth = 16;
constexpr int kMaxNodes = 64;
constexpr int kMaxNeighbors = 5;
constexpr int kNeighbourColumn = 4;
constexpr int kDistanceColumn = 10;

// Throws weft::Error when the graph has more than max_nodes nodes or a node lists more than max_neighbors.
std::vector<float> graph_to_rows(const WebGraph&, int max_nodes = kMaxNodes, int max_neighbors = kMaxNeighbors);

// Reads n real rows out of a [max_nodes, 16] block. Neighbour values must be whole numbers in 0..n; anything
// else (or non-finite xyz, n out of range) is a weft::Error naming the node and slot, prefixed with `where`.
WebGraph rows_to_graph(const float* rows, int n, int max_nodes, int max_neighbors, std::string_view where);

// The training normalisation: xyz with ONE global min/max (so shapes keep their aspect ratio), each property
// with its own; both map [min, max] to [−1, 1]. A constant column (max == min) maps to 0 rather than dividing
// by zero.
struct Normalization {
  double xyz_min = 0, xyz_max = 0;
  Properties y_min{}, y_max{};

  double scale_xyz(double v) const { return scale(v, xyz_min, xyz_max); }
  double unscale_xyz(double s) const { return unscale(s, xyz_min, xyz_max); }
  double scale_y(int k, double v) const { return scale(v, y_min[k], y_max[k]); }
  double unscale_y(int k, double s) const { return unscale(s, y_min[k], y_max[k]); }

  static double scale(double v, double lo, double hi) { return hi > lo ? (v - lo) / (hi - lo) * 2.0 - 1.0 : 0.0; }
  static double unscale(double s, double lo, double hi) { return (s + 1.0) / 2.0 * (hi - lo) + lo; }
};

// Fits over whole blocks (padding rows included, as the paper does) and the per-sample properties.
Normalization fit_normalization(const std::vector<std::vector<float>>& blocks, const std::vector<Properties>& y);

}  // namespace weft::web
