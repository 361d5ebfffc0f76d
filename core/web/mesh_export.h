#pragma once
// The printable-geometry job: graph file (or graph) → scale to mm → strut mesh → printability report → mesh file.
// Format 3mf-beams skips the meshing: the scaled graph goes out as a 3MF beam lattice. One request struct for the
// CLI and the GUI, with JSON both ways; the result carries the request as metadata so a saved report re-runs the
// export exactly.
#include <array>
#include <string>

#include <nlohmann/json.hpp>

#include "web/beam_lattice.h"
#include "web/printability.h"
#include "web/strut_mesh.h"

namespace weft {
class ProgressSink;
class CancelToken;
}  // namespace weft

namespace weft::web {

struct MeshRequest {
  std::string graph_path;        // JSON or nodes/edges CSV graph file (unused when a graph is passed in)
  double scale_mm = 0;           // mm per graph unit ...
  double size_mm = 0;            // ... or the longest side of the web in mm (wins when both are given)
  double strut_mm = 0;           // strut diameter in mm: required, graph coordinates carry no unit
  double joint_factor = 1.2;     // joint radius = largest incident strut radius × this (beams: joints = strut)
  double voxel_mm = 0;           // 0: strut radius / voxels_per_radius
  double voxels_per_radius = 3;  // quality
  bool base_plate = false;       // not with 3mf-beams (an error)
  double plate_thickness_mm = 1.0;
  double plate_margin_mm = 2.0;
  std::array<double, 3> bed_mm{220, 220, 250};
  double nozzle_mm = 0.4;
  double min_strut_mm = 0.8;
  double memory_budget_gib = 4.0;
  std::string format;            // stl | ascii-stl | 3mf | 3mf-beams | obj; empty: from the output's extension
  std::string output;            // empty: mesh and report only, nothing written

  nlohmann::json to_json() const;
  static MeshRequest from_json(const nlohmann::json&);  // missing keys keep the defaults; wrong types throw
};

struct MeshResult {
  MeshRequest request;
  TriMesh mesh;          // empty for 3mf-beams ...
  BeamLattice lattice;   // ... which fills this instead
  PrintReport report;
  double mm_per_unit = 0;  // the scale actually used
  double voxel_mm = 0;
  double mesh_seconds = 0, write_seconds = 0;
  std::string written;     // the file written, empty when none
  // {"weft": {"version", "job": "web-export", "request"}, "report": …, "mm_per_unit", "voxel_mm", timings}
  nlohmann::json to_json() const;
};

// Throws weft::Error for a bad request or graph (nothing written), and when the mesh fails the watertight gate
// (a bug guard: the field mesher should never fail it); weft::Cancelled on cancel (nothing written). The mesh is
// placed in the positive octant with its minimum corner within a few voxels of the origin (on the bed, z ≥ 0); a
// beam lattice with its bounding box exactly at the origin.
MeshResult export_web_mesh(const MeshRequest&, ProgressSink&, const CancelToken&);
MeshResult export_web_mesh(const WebGraph&, const MeshRequest&, ProgressSink&, const CancelToken&);

}  // namespace weft::web
