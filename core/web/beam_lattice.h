#pragma once
// Web graph → 3MF beam lattice: the nodes become vertices and every undirected edge one beam (a cylinder capped by
// spheres, so the joints come out round). The printer's software turns the beams into a solid, so nothing is meshed
// here: milliseconds instead of seconds, and a file that stays small however many struts the web has.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "web/web_graph.h"

namespace weft::web {

// The lattice's minlength: consumers ignore beams shorter than this and producers must not write them. 1 µm is far
// below anything a printer resolves yet well above the rounding of the file's coordinates (lib3mf writes 6 decimals).
inline constexpr double kBeamMinLengthMm = 0.001;

struct Beam {
  std::array<std::uint32_t, 2> v{};  // vertex indices
  std::array<double, 2> r{};         // radius at each end, mm
};

struct BeamLattice {
  std::vector<std::array<float, 3>> vertices;  // mm, one per graph node in the graph's order
  std::vector<Beam> beams;
  double min_length_mm = kBeamMinLengthMm;
  bool sphere_caps = true;  // every beam end closed by a sphere (else flat)
  // What make_beam_lattice left out, for the report (a reader leaves these 0): edges shorter than min_length_mm,
  // which the format forbids, and nodes without any beam, which a lattice cannot show (lib3mf 1.8 has no balls).
  std::size_t short_edges = 0;
  std::size_t isolated_nodes = 0;
};

// Coordinates in mm (see scale_graph). One beam per unordered node pair, in the order of first appearance, even when
// the graph lists both i→j and j→i; radius = diameter / 2 at both ends. Placed on the bed: the lattice's bounding
// box (its nodes ± the radius) starts at the origin. Throws weft::Error for an empty graph, no edges, an invalid
// graph or a diameter that is not positive.
BeamLattice make_beam_lattice(const WebGraph& graph_mm, double strut_diameter_mm);

// Bounding box of the solid the beams describe: for sphere caps it is exactly that of the end spheres.
void lattice_bounds(const BeamLattice&, std::array<double, 3>& lo, std::array<double, 3>& hi);

// Connected parts made of beams (vertices without a beam are not a part).
std::size_t lattice_components(const BeamLattice&);

}  // namespace weft::web
