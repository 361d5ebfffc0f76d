#pragma once
// Is this mesh printable? Our own checks (not the mesher's word): closed and edge-manifold (every undirected edge
// in exactly two triangles, used once in each direction), orientation (signed volume > 0 → outward normals),
// volume, bounding box against the bed, thinnest strut against the nozzle, and separate parts. Text for the CLI,
// JSON for files and the GUI. A beam lattice gets the checks that mean something for it (bed, strut, parts).
#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "web/beam_lattice.h"
#include "web/strut_mesh.h"

namespace weft::web {

struct EdgeCheck {
  std::size_t edges = 0;           // distinct undirected edges
  std::size_t boundary = 0;        // used by one triangle: a hole
  std::size_t non_manifold = 0;    // used by three or more
  std::size_t misoriented = 0;     // used twice in the same direction: neighbours disagree on the winding
  std::size_t degenerate = 0;      // triangles with a repeated vertex or zero area
  bool closed_manifold() const { return boundary == 0 && non_manifold == 0 && misoriented == 0 && degenerate == 0; }
};
EdgeCheck check_edges(const TriMesh&);

double mesh_volume(const TriMesh&);         // signed, mm³ (> 0 when outward)
double mesh_area(const TriMesh&);           // mm²
std::size_t mesh_components(const TriMesh&);  // parts connected through shared vertices

struct PrinterSpec {
  std::array<double, 3> bed_mm{220, 220, 250};  // x, y, z build volume
  double nozzle_mm = 0.4;
  double min_strut_mm = 0.8;  // rule of thumb for FDM with a 0.4 mm nozzle: thinner struts do not print
};

struct PrintReport {
  std::size_t vertices = 0, triangles = 0;
  EdgeCheck edges;
  bool watertight = false;     // closed + manifold + consistently wound
  bool outward = false;        // signed volume > 0
  double volume_mm3 = 0, area_mm2 = 0;
  std::array<double, 3> bbox_min{}, bbox_max{};
  std::array<double, 3> size_mm{};
  bool fits_bed = false;
  double thinnest_strut_mm = 0;  // from the request (the mesh cannot say which part is a strut)
  std::size_t components = 0;
  PrinterSpec printer;
  std::vector<std::string> warnings;  // what a user should fix or know, one sentence each
  std::vector<std::string> errors;    // what makes the file unprintable
  // A 3MF beam lattice has no surface of its own (the printer's software builds it), so watertight, orientation,
  // volume and the edge counts do not apply: they stay false/0 here and read "n/a" in the text, null in the JSON.
  bool beam_lattice = false;
  std::size_t beams = 0;
  bool printable() const { return errors.empty(); }
};

PrintReport printability_report(const TriMesh&, double thinnest_strut_mm, const PrinterSpec&);
PrintReport lattice_report(const BeamLattice&, const PrinterSpec&);  // thinnest strut: the thinnest beam
std::string render_print_report(const PrintReport&);
nlohmann::json print_report_json(const PrintReport&);

}  // namespace weft::web
