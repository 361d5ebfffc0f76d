#pragma once
// Web graph → one closed, edge-manifold, outward-oriented triangle mesh in millimetres.
//
// Every undirected edge becomes a capsule (cylinder + sphere caps) of the strut radius, every node a joint sphere
// sized from its incident struts (largest radius × joint_factor, not grown per edge: PyMesh/PyMesh#154). Shapes are
// written as a min-SDF straight into one sparse OpenVDB narrow band, then `volumeToMesh` extracts the isosurface:
// watertight by construction, with a cost set by the voxel count rather than by the number of struts (boolean
// unions of thousands of cylinders are the known slow path). OpenVDB stays inside strut_mesh.cpp: this header is
// plain C++ so front-ends and tests compile fast.
#include <array>
#include <cstdint>
#include <vector>

#include "web/web_graph.h"

namespace weft {
class ProgressSink;
class CancelToken;
}  // namespace weft

namespace weft::web {

// An indexed triangle mesh; counter-clockwise seen from outside (right-hand normal points out). Units: mm.
struct TriMesh {
  std::vector<std::array<float, 3>> vertices;
  std::vector<std::array<std::uint32_t, 3>> triangles;
};

struct StrutParams {
  double strut_diameter_mm = 1.2;        // every strut, unless edge_diameters_mm is given
  std::vector<double> edge_diameters_mm;  // optional, one per graph edge (directed entry), overrides the above
  double joint_factor = 1.2;             // joint radius = largest incident strut radius × this (≥ 1)
  double voxel_mm = 0.0;                 // 0: thinnest strut radius / voxels_per_radius
  double voxels_per_radius = 3.0;        // quality when voxel_mm is 0
  bool base_plate = false;               // a slab under the lowest point, fused into the same field
  double plate_thickness_mm = 1.0;
  double plate_margin_mm = 2.0;           // the plate covers the web's xy footprint plus this on every side
  double memory_budget_gib = 4.0;        // refuse (with the numbers) rather than exhaust memory
};

// Coordinates must already be in millimetres (see scale_graph). Throws weft::Error for an empty graph, a graph
// that fails validate(), a non-positive diameter or a grid over the memory budget; weft::Cancelled when the token
// asks to stop now (checked between batches of struts and before meshing).
TriMesh mesh_struts(const WebGraph& graph_mm, const StrutParams&, ProgressSink&, const CancelToken&);

// The voxel size mesh_struts would use, and its estimate of the grid's memory (bytes) — for the UI and the error.
double effective_voxel_mm(const WebGraph& graph_mm, const StrutParams&);
double estimate_grid_bytes(const WebGraph& graph_mm, const StrutParams&);

// Graph units → mm: either a factor (mm per unit) or, when target_size_mm > 0, the factor that makes the longest
// side of the node bounding box that long. Throws weft::Error when neither is positive or the graph is degenerate.
double graph_scale_mm(const WebGraph&, double mm_per_unit, double target_size_mm);
WebGraph scale_graph(const WebGraph&, double mm_per_unit);

}  // namespace weft::web
