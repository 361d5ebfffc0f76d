#include "web/printability.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <sstream>

namespace weft::web {

namespace {

using V = std::array<float, 3>;

std::array<double, 3> cross(const V& a, const V& b, const V& c) {
  const double u[3] = {double(b[0]) - a[0], double(b[1]) - a[1], double(b[2]) - a[2]};
  const double w[3] = {double(c[0]) - a[0], double(c[1]) - a[1], double(c[2]) - a[2]};
  return {u[1] * w[2] - u[2] * w[1], u[2] * w[0] - u[0] * w[2], u[0] * w[1] - u[1] * w[0]};
}

std::string fmt(double x, int precision = 3) {
  std::ostringstream s;
  s.precision(precision);
  s << x;
  return s.str();
}

// What holds for any geometry, from the bounding box and part count already in `r`: the bed, the thinnest strut
// against the nozzle, separate parts.
void check_bed_strut_parts(PrintReport& r, double thinnest_strut_mm, const PrinterSpec& printer) {
  r.printer = printer;
  r.thinnest_strut_mm = thinnest_strut_mm;
  for (int k = 0; k < 3; ++k) r.size_mm[k] = r.bbox_max[k] - r.bbox_min[k];
  r.fits_bed = r.size_mm[0] <= printer.bed_mm[0] && r.size_mm[1] <= printer.bed_mm[1] && r.size_mm[2] <= printer.bed_mm[2];
  if (!r.fits_bed)
    r.warnings.push_back("the model (" + fmt(r.size_mm[0]) + " × " + fmt(r.size_mm[1]) + " × " + fmt(r.size_mm[2]) +
                         " mm) does not fit the bed (" + fmt(printer.bed_mm[0]) + " × " + fmt(printer.bed_mm[1]) +
                         " × " + fmt(printer.bed_mm[2]) + " mm): scale it down");
  if (thinnest_strut_mm > 0 && thinnest_strut_mm < printer.nozzle_mm)
    r.errors.push_back("the thinnest strut (" + fmt(thinnest_strut_mm) + " mm) is thinner than the nozzle (" +
                       fmt(printer.nozzle_mm) + " mm): it will not print");
  else if (thinnest_strut_mm > 0 && thinnest_strut_mm < printer.min_strut_mm)
    r.warnings.push_back("the thinnest strut (" + fmt(thinnest_strut_mm) + " mm) is under " +
                         fmt(printer.min_strut_mm) + " mm: with a " + fmt(printer.nozzle_mm) +
                         " mm nozzle it may not print; use thicker struts");
  if (r.components > 1)
    r.warnings.push_back(std::to_string(r.components) + " separate parts: the web is disconnected, loose parts will "
                         "fall over or print apart");
}

}  // namespace

EdgeCheck check_edges(const TriMesh& m) {
  // One 64-bit key per half-edge (low index high bits) plus its direction; sorting groups each undirected edge.
  std::vector<std::uint64_t> half;
  half.reserve(m.triangles.size() * 3);
  EdgeCheck c;
  for (const auto& t : m.triangles) {
    const auto n = cross(m.vertices[t[0]], m.vertices[t[1]], m.vertices[t[2]]);
    if (t[0] == t[1] || t[1] == t[2] || t[0] == t[2] || (n[0] == 0 && n[1] == 0 && n[2] == 0)) ++c.degenerate;
    for (int k = 0; k < 3; ++k) {
      const std::uint32_t a = t[k], b = t[(k + 1) % 3];
      const std::uint64_t lo = std::min(a, b), hi = std::max(a, b);
      half.push_back((lo << 33) | (hi << 1) | (a < b ? 1u : 0u));
    }
  }
  std::sort(half.begin(), half.end());
  for (std::size_t i = 0; i < half.size();) {
    std::size_t j = i;
    int forward = 0;
    while (j < half.size() && (half[j] >> 1) == (half[i] >> 1)) forward += int(half[j++] & 1u);
    const std::size_t uses = j - i;
    ++c.edges;
    if (uses == 1)
      ++c.boundary;
    else if (uses > 2)
      ++c.non_manifold;
    else if (forward != 1)
      ++c.misoriented;
    i = j;
  }
  return c;
}

double mesh_volume(const TriMesh& m) {
  double v6 = 0;
  for (const auto& t : m.triangles) {
    const V &a = m.vertices[t[0]], &b = m.vertices[t[1]], &c = m.vertices[t[2]];
    v6 += double(a[0]) * (double(b[1]) * c[2] - double(b[2]) * c[1]) -
          double(a[1]) * (double(b[0]) * c[2] - double(b[2]) * c[0]) +
          double(a[2]) * (double(b[0]) * c[1] - double(b[1]) * c[0]);
  }
  return v6 / 6.0;
}

double mesh_area(const TriMesh& m) {
  double a = 0;
  for (const auto& t : m.triangles) {
    const auto n = cross(m.vertices[t[0]], m.vertices[t[1]], m.vertices[t[2]]);
    a += 0.5 * std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  }
  return a;
}

std::size_t mesh_components(const TriMesh& m) {
  std::vector<std::uint32_t> parent(m.vertices.size());
  std::iota(parent.begin(), parent.end(), 0u);
  auto find = [&parent](std::uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  std::vector<char> used(m.vertices.size(), 0);
  for (const auto& t : m.triangles) {
    for (int k = 0; k < 3; ++k) used[t[k]] = 1;
    const std::uint32_t a = find(t[0]);
    for (int k = 1; k < 3; ++k) {
      const std::uint32_t b = find(t[k]);
      if (a != b) parent[b] = a;
    }
  }
  std::size_t parts = 0;
  for (std::uint32_t i = 0; i < parent.size(); ++i)
    if (used[i] && find(i) == i) ++parts;
  return parts;
}

PrintReport printability_report(const TriMesh& m, double thinnest_strut_mm, const PrinterSpec& printer) {
  PrintReport r;
  r.vertices = m.vertices.size();
  r.triangles = m.triangles.size();
  r.edges = check_edges(m);
  r.volume_mm3 = mesh_volume(m);
  r.area_mm2 = mesh_area(m);
  r.outward = r.volume_mm3 > 0;
  r.watertight = r.triangles > 0 && r.edges.closed_manifold();
  r.components = mesh_components(m);
  if (!m.vertices.empty()) {
    r.bbox_min = {1e300, 1e300, 1e300}, r.bbox_max = {-1e300, -1e300, -1e300};
    for (const auto& v : m.vertices)
      for (int k = 0; k < 3; ++k) r.bbox_min[k] = std::min(r.bbox_min[k], double(v[k])), r.bbox_max[k] = std::max(r.bbox_max[k], double(v[k]));
  }

  if (r.triangles == 0) r.errors.push_back("the mesh is empty");
  if (r.edges.boundary) r.errors.push_back(std::to_string(r.edges.boundary) + " open edges: the mesh has holes");
  if (r.edges.non_manifold)
    r.errors.push_back(std::to_string(r.edges.non_manifold) + " edges shared by more than two triangles");
  if (r.edges.misoriented)
    r.errors.push_back(std::to_string(r.edges.misoriented) + " edges where neighbouring triangles disagree on winding");
  if (r.edges.degenerate) r.errors.push_back(std::to_string(r.edges.degenerate) + " degenerate triangles");
  if (r.triangles && !r.outward) r.errors.push_back("the normals point inward (negative volume)");
  check_bed_strut_parts(r, thinnest_strut_mm, printer);
  return r;
}

PrintReport lattice_report(const BeamLattice& l, const PrinterSpec& printer) {
  PrintReport r;
  r.beam_lattice = true;
  r.vertices = l.vertices.size();
  r.beams = l.beams.size();
  r.components = lattice_components(l);
  lattice_bounds(l, r.bbox_min, r.bbox_max);
  double thinnest = 0;
  for (const Beam& b : l.beams) {
    const double d = 2 * std::min(b.r[0], b.r[1]);
    thinnest = thinnest > 0 ? std::min(thinnest, d) : d;
  }
  if (l.beams.empty()) r.errors.push_back("the lattice has no beams");
  check_bed_strut_parts(r, thinnest, printer);
  auto count = [](std::size_t n, const char* one, const char* many) { return std::to_string(n) + (n == 1 ? one : many); };
  if (l.short_edges)
    r.warnings.push_back(count(l.short_edges, " edge", " edges") + " shorter than " + fmt(l.min_length_mm) +
                         " mm left out (the format forbids them; their nodes nearly coincide)");
  if (l.isolated_nodes)
    r.warnings.push_back(count(l.isolated_nodes, " node", " nodes") + " without a strut left out: a beam lattice "
                         "has no joints of its own");
  return r;
}

std::string render_print_report(const PrintReport& r) {
  std::ostringstream s;
  if (r.beam_lattice) {
    s << "beam lattice   " << r.beams << " beams on " << r.vertices << " nodes, no triangles\n";
    s << "watertight     n/a  (the printer's software builds the solid from the beams)\n";
  } else {
    s << "triangles      " << r.triangles << "  (vertices " << r.vertices << ")\n";
    s << "watertight     " << (r.watertight ? "yes" : "NO") << "  (open edges " << r.edges.boundary
      << ", non-manifold " << r.edges.non_manifold << ", misoriented " << r.edges.misoriented << ", degenerate "
      << r.edges.degenerate << ")\n";
    s << "orientation    " << (r.outward ? "outward" : "INWARD") << "\n";
    s << "volume         " << fmt(r.volume_mm3, 6) << " mm³  (area " << fmt(r.area_mm2, 6) << " mm²)\n";
  }
  s << "size           " << fmt(r.size_mm[0]) << " × " << fmt(r.size_mm[1]) << " × " << fmt(r.size_mm[2])
    << " mm  (bed " << fmt(r.printer.bed_mm[0]) << " × " << fmt(r.printer.bed_mm[1]) << " × "
    << fmt(r.printer.bed_mm[2]) << " mm: " << (r.fits_bed ? "fits" : "TOO BIG") << ")\n";
  s << "thinnest strut " << fmt(r.thinnest_strut_mm) << " mm  (nozzle " << fmt(r.printer.nozzle_mm) << " mm)\n";
  s << "parts          " << r.components << "\n";
  for (const auto& e : r.errors) s << "error: " << e << "\n";
  for (const auto& w : r.warnings) s << "warning: " << w << "\n";
  s << "printable      " << (r.printable() ? "yes" : "no") << "\n";
  return s.str();
}

nlohmann::json print_report_json(const PrintReport& r) {
  nlohmann::json j{
      {"vertices", r.vertices},
      {"triangles", r.triangles},
      {"watertight", r.watertight},
      {"outward", r.outward},
      {"edges",
       {{"total", r.edges.edges},
        {"open", r.edges.boundary},
        {"non_manifold", r.edges.non_manifold},
        {"misoriented", r.edges.misoriented},
        {"degenerate_triangles", r.edges.degenerate}}},
      {"volume_mm3", r.volume_mm3},
      {"area_mm2", r.area_mm2},
      {"bbox_min_mm", r.bbox_min},
      {"bbox_max_mm", r.bbox_max},
      {"size_mm", r.size_mm},
      {"bed_mm", r.printer.bed_mm},
      {"fits_bed", r.fits_bed},
      {"thinnest_strut_mm", r.thinnest_strut_mm},
      {"nozzle_mm", r.printer.nozzle_mm},
      {"min_strut_mm", r.printer.min_strut_mm},
      {"components", r.components},
      {"printable", r.printable()},
      {"errors", r.errors},
      {"warnings", r.warnings},
      {"beam_lattice", r.beam_lattice},
      {"beams", r.beams},
  };
  if (r.beam_lattice)  // not applicable: null rather than a false "not watertight" or a zero volume
    for (const char* key : {"watertight", "outward", "edges", "volume_mm3", "area_mm2"}) j[key] = nullptr;
  return j;
}

}  // namespace weft::web
