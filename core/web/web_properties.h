#pragma once
// The paper's 7 conditioning properties (get_properties in the GraphGeneration notebooks), measured over the
// directed neighbour entries E, each entry i→j contributing the vector p_i − p_j:
//   0 average |p_i − p_j|   1..3 mean signed dx, dy, dz   4 node count   5 |E|   6 |E| / nodes.
// The official notebooks unpack the re-measured tuple as (length, dx, dy, dx, ...): the second dx takes dz's
// value, so their re-measured vector carries dz in both the dx and dz slots and the real dx is lost from the R²
// they report. Here each component keeps its own value (the corrected metric). Their function also divides by
// zero for a graph without edges; here that graph measures 0 length and a 0 vector.
#include <array>
#include <string>

#include "web/web_graph.h"

namespace weft::web {

constexpr int kNumProperties = 7;
using Properties = std::array<double, kNumProperties>;

// Descriptive names (the paper's original label strings are not public).
const std::array<std::string, kNumProperties>& property_names();

// A graph with no edges has length and vector 0. Throws weft::Error for a graph with no nodes.
Properties web_properties(const WebGraph&);

}  // namespace weft::web
