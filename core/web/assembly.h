#pragma once
// Assembly: copies of a web unit placed along a path (helix, circle, the paper's attractor curve, a user curve
// or point list), welded where they overlap, and joined into one connected web.
//
// The official notebooks (make_spiral / make_attractor / stack_and_extend) translate each unit to a curve point
// and glue it to the structure by *index*: the last stagger·S nodes of the structure are declared the same nodes
// as the first stagger·S of the new unit, whatever their positions. Here the default is a *geometric* weld:
// units are centred on the path, optionally turned into the path's frame, scaled so that consecutive units
// overlap by `stagger` of their length, and nodes of different units closer than the tolerance become one node.
// The index rule is kept as WeldMode::Index for parity with the paper's node counts (S + steps·(1 − stagger)·S).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "web/curves.h"
#include "web/web_generator.h"
#include "web/web_graph.h"

namespace weft {
class ProgressSink;
class CancelToken;
}  // namespace weft

namespace weft::web {

enum class Orientation { Tangent, Fixed };  // unit axes x, y, z → path (tangent, side, up), or world axes
enum class WeldMode { Geometric, Index };

struct UnitSource {
  std::string file;   // a graph file (read_graph_file); empty → a generated unit
  WebParams params;   // generated unit: the synthetic web it is cut from ...
  int nodes = 32;     // ... and the size of the BFS cut
  bool vary = false;  // a fresh generated unit per placement (the paper's generate_new_every_iteration)
};

struct AssemblyRequest {
  UnitSource unit;
  PathSpec path;
  Orientation orientation = Orientation::Tangent;
  double unit_scale = 0.0;       // > 0: fixed factor on the centred unit; 0: chosen from `stagger`
  double stagger = 0.5;          // 0..0.95: overlap of consecutive units, as a fraction of a unit's length
  WeldMode weld_mode = WeldMode::Geometric;
  double weld_tolerance = -1.0;  // geometric: < 0 auto (half the placed unit's median edge), 0 off
  bool connect = true;           // bridge leftover components with the shortest edges
  std::uint64_t seed = 0;        // generated units

  nlohmann::json to_json() const;
  static AssemblyRequest from_json(const nlohmann::json&);  // missing fields keep their defaults
  void validate() const;                                    // throws weft::Error (where = "assembly")
};

struct AssemblyStats {
  int units = 0;
  int nodes_before_weld = 0;  // Σ unit sizes = units × nodes_per_unit for a fixed unit
  int nodes_after_weld = 0;
  int welded = 0;             // nodes_before_weld − nodes_after_weld
  int edges_before_weld = 0;
  int self_loops_dropped = 0;       // an edge whose two ends were welded together
  int duplicate_edges_dropped = 0;  // the same directed entry from two units
  int components_before_bridging = 0;
  int bridges = 0;
  double longest_bridge = 0.0;
  int components = 0;  // at the end
  int max_degree = 0;  // undirected
  int nodes_over_degree_cap = 0;  // degree > 5: the paper's samples have at most 5 neighbour slots
  double unit_scale = 1.0;        // what was used
  double spacing = 0.0;           // mean distance between consecutive unit centres
  double overlap = 0.0;           // 1 − spacing / (scaled unit length): the stagger actually obtained
  double weld_tolerance = 0.0;    // what was used
};

struct AssemblyResult {
  WebGraph graph;
  AssemblyRequest request;
  AssemblyStats stats;
  std::vector<Vec3> centres;  // unit centres along the path

  // {"nodes", "edges", "assembly": stats, "weft": {"job", "request"}}; read_graph_json reads it back as a graph.
  nlohmann::json to_json() const;
  std::string report() const;  // a few lines for people
};

// The job. Checks `cancel` between units (throws weft::Cancelled); errors are weft::Error.
AssemblyResult assemble(const AssemblyRequest&, ProgressSink&, const CancelToken&);
// Same with the unit given (tests, the studio's current web); request.unit is then only recorded.
AssemblyResult assemble(const AssemblyRequest&, const WebGraph& unit, ProgressSink&, const CancelToken&);

// The pieces, exposed for tests.
WebGraph load_unit(const UnitSource&, std::uint64_t seed);  // seed of this unit
// The unit centred on its node centroid, scaled, turned into `frame` and moved to `centre`.
WebGraph place_unit(const WebGraph& unit, Vec3 centre, const Frame& frame, double scale, Orientation);
// Concatenates the parts; nodes of *different* parts within `tolerance` (≤) become one node at their mean
// (uniform grid, each node checks the 27 cells around it, so O(n) for evenly spread nodes; chains merge
// transitively). Merged nodes are numbered by their first member, edges re-pointed, self-loops and duplicate
// entries dropped. tolerance ≤ 0 only concatenates.
WebGraph weld(const std::vector<WebGraph>& parts, double tolerance, AssemblyStats& stats);
// The official rule: part k+1's first `overlap` nodes are part k's last `overlap` nodes (positions from k+1).
WebGraph weld_by_index(const std::vector<WebGraph>& parts, double stagger, AssemblyStats& stats);
// Adds the shortest edge between the growing main component (node 0's) and the nearest other node, until one
// component is left (Prim over components; ties to the lowest index, so deterministic). Returns bridges added.
// O(n²) in the nodes when there are several components (seconds at ~50k nodes); `cancel` is polled per component.
int connect_components(WebGraph&, double* longest = nullptr, const CancelToken* cancel = nullptr);
int count_components(const WebGraph&);  // undirected; 0 for an empty graph

}  // namespace weft::web
