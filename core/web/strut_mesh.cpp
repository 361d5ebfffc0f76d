#include "web/strut_mesh.h"

// The only file that sees OpenVDB (heavy headers: keep them out of everything else).
#include <openvdb/openvdb.h>
#include <openvdb/tools/VolumeToMesh.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <numeric>
#include <sstream>
#include <thread>
#include <utility>

#include "common/cancel_token.h"
#include "common/error.h"
#include "common/progress_sink.h"

namespace weft::web {

namespace {

// Narrow band outside the surface, in voxels. The mesher reads only the corners of cells the surface crosses, and
// there |d| < 1 voxel; deeper outside, the background (+band) has the right sign. Every voxel inside is written
// (clamped to −band), so no inside voxel is ever read as background. 1.25 instead of the usual 3 cuts the voxel
// count (and the mesher's time) by about a third for thin struts.
constexpr double kBandVoxels = 1.25;
// volumeToMesh (adaptivity 0) puts each cell's vertex at the mean of its edge crossings, which lies inside a convex
// surface: a tube comes out thinner by ≈ kSag·v²·(κ1 + κ2) (fitted on capsules at 2–6 voxels per radius: volume
// −5 % at 3 without it, within 0.7 % with it). Struts and joints are inflated by that much so the printed
// diameter is the requested one.
constexpr double kSag = 0.18;

struct Strut {
  Vec3 a, b;
  double radius;
};

struct Shapes {
  std::vector<Strut> struts;          // one per undirected edge
  std::vector<double> joint_radius;   // one per node
  double thinnest_radius = 0;
};

double dist(const Vec3& a, const Vec3& b) {
  return std::sqrt((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y) + (a.z - b.z) * (a.z - b.z));
}

// Undirected struts (a reciprocal pair i→j, j→i is one strut, with the larger of the two diameters) and joints.
Shapes collect_shapes(const WebGraph& g, const StrutParams& p) {
  if (g.nodes.empty()) throw Error("the graph has no nodes: nothing to print", "strut mesh");
  validate(g, "strut mesh");
  if (g.edges.empty()) throw Error("the graph has no edges: there are no struts to print", "strut mesh");
  if (!p.edge_diameters_mm.empty() && p.edge_diameters_mm.size() != g.edges.size())
    throw Error("edge_diameters_mm has " + std::to_string(p.edge_diameters_mm.size()) + " entries for " +
                    std::to_string(g.edges.size()) + " edges",
                "strut mesh");
  if (!(p.joint_factor >= 1.0) || !(p.joint_factor <= 5.0))
    throw Error("the joint factor must be in [1, 5], got " + std::to_string(p.joint_factor), "strut mesh");
  std::map<std::pair<int, int>, double> radius;
  for (std::size_t e = 0; e < g.edges.size(); ++e) {
    const double d = p.edge_diameters_mm.empty() ? p.strut_diameter_mm : p.edge_diameters_mm[e];
    if (!(d > 0) || !std::isfinite(d))
      throw Error("the strut diameter must be a positive number of mm, got " + std::to_string(d),
                  "strut mesh, edge " + std::to_string(e));
    auto key = std::minmax(g.edges[e].source, g.edges[e].target);
    double& r = radius[{key.first, key.second}];
    r = std::max(r, d / 2);
  }
  Shapes s;
  s.joint_radius.assign(g.nodes.size(), 0.0);
  s.thinnest_radius = std::numeric_limits<double>::infinity();
  for (const auto& [key, r] : radius) {
    s.struts.push_back({g.nodes[key.first], g.nodes[key.second], r});
    s.joint_radius[key.first] = std::max(s.joint_radius[key.first], r);
    s.joint_radius[key.second] = std::max(s.joint_radius[key.second], r);
    s.thinnest_radius = std::min(s.thinnest_radius, r);
  }
  // An isolated node still gets a joint (it is part of the graph); the report then flags a separate part.
  for (double& r : s.joint_radius) r = (r > 0 ? r : p.strut_diameter_mm / 2) * p.joint_factor;
  return s;
}

double voxel_size(const Shapes& s, const StrutParams& p) {
  if (p.voxel_mm > 0) return p.voxel_mm;
  if (!(p.voxels_per_radius >= 1.0)) throw Error("voxels_per_radius must be at least 1", "strut mesh");
  return s.thinnest_radius / p.voxels_per_radius;
}

struct Box {
  double lo[3], hi[3];
};

// Bottom = half a voxel under the lowest point of the web (so no joint pokes through the flat underside), top =
// bottom + thickness, xy = footprint + margin.
Box plate_box(const WebGraph& g, const Shapes& s, const StrutParams& p, double v) {
  Box b{{1e300, 1e300, 1e300}, {-1e300, -1e300, -1e300}};
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const Vec3& n = g.nodes[i];
    const double r = s.joint_radius[i] + 2 * kSag * v * v / s.joint_radius[i] + 0.5 * v;
    b.lo[0] = std::min(b.lo[0], n.x - r), b.hi[0] = std::max(b.hi[0], n.x + r);
    b.lo[1] = std::min(b.lo[1], n.y - r), b.hi[1] = std::max(b.hi[1], n.y + r);
    b.lo[2] = std::min(b.lo[2], n.z - r);
  }
  for (int k = 0; k < 2; ++k) b.lo[k] -= p.plate_margin_mm, b.hi[k] += p.plate_margin_mm;
  b.hi[2] = b.lo[2] + p.plate_thickness_mm;
  return b;
}

// Voxels written (every voxel within radius + band of a shape) and the mesh that comes out, in bytes. Leaves are
// 8³ blocks, so a thin tube touches far more leaf memory than its own voxels: hence the factor 3.
double estimate_bytes(const WebGraph& g, const Shapes& s, const StrutParams& p, double v) {
  const double hw = kBandVoxels * v;
  double voxels = 0, area = 0;
  for (const auto& t : s.struts) {
    const double R = t.radius + hw, L = dist(t.a, t.b);
    voxels += M_PI * R * R * L / (v * v * v);
    area += 2 * M_PI * t.radius * L;
  }
  for (double r : s.joint_radius) {
    voxels += 4.0 / 3.0 * M_PI * std::pow(r + hw, 3) / (v * v * v);
    area += 4 * M_PI * r * r;
  }
  if (p.base_plate) {
    const Box b = plate_box(g, s, p, v);
    const double w = b.hi[0] - b.lo[0] + 2 * hw, d = b.hi[1] - b.lo[1] + 2 * hw;
    voxels += w * d * (p.plate_thickness_mm + 2 * hw) / (v * v * v);
    area += 2 * w * d;
  }
  const double triangles = 2.0 * area / (v * v);
  return voxels * sizeof(float) * 3.0 + triangles * 48.0;
}

void check_params(const StrutParams& p) {
  if (!(p.strut_diameter_mm > 0) || !std::isfinite(p.strut_diameter_mm))
    throw Error("the strut diameter must be a positive number of mm, got " + std::to_string(p.strut_diameter_mm),
                "strut mesh");
  if (p.voxel_mm < 0 || !std::isfinite(p.voxel_mm)) throw Error("the voxel size must be ≥ 0 mm", "strut mesh");
  if (p.base_plate && !(p.plate_thickness_mm > 0)) throw Error("the base plate needs a thickness > 0 mm", "strut mesh");
  if (p.base_plate && !(p.plate_margin_mm >= 0)) throw Error("the base plate margin must be ≥ 0 mm", "strut mesh");
}

using Accessor = openvdb::FloatGrid::Accessor;

// Min-SDF of a capsule (segment a–b, radius r) into every voxel within r + band whose x index is in [x0, x1).
// Sweeps the segment's major axis and, per slice, only the cross-section the capsule can reach, so a long diagonal
// strut costs its own volume and not its bounding box's.
void stamp_capsule(Accessor& acc, const Vec3& a, const Vec3& b, double r, double v, double hw, int x0, int x1) {
  const double A[3] = {a.x, a.y, a.z}, D[3] = {b.x - a.x, b.y - a.y, b.z - a.z};
  const double len2 = D[0] * D[0] + D[1] * D[1] + D[2] * D[2];
  int k = 0;
  for (int i = 1; i < 3; ++i)
    if (std::abs(D[i]) > std::abs(D[k])) k = i;
  const int i1 = (k + 1) % 3, i2 = (k + 2) % 3;
  const double R = r + hw;
  int klo = int(std::floor((std::min(A[k], A[k] + D[k]) - R) / v));
  int khi = int(std::ceil((std::max(A[k], A[k] + D[k]) + R) / v));
  if (k == 0) klo = std::max(klo, x0), khi = std::min(khi, x1 - 1);
  openvdb::Coord ijk;
  for (int ik = klo; ik <= khi; ++ik) {
    const double c = ik * v;
    double t0 = 0, t1 = 1;
    if (std::abs(D[k]) > 1e-12) {
      double ta = (c - R - A[k]) / D[k], tb = (c + R - A[k]) / D[k];
      if (ta > tb) std::swap(ta, tb);
      t0 = std::max(0.0, ta), t1 = std::min(1.0, tb);
      if (t0 > t1) continue;
    }
    const double p1a = A[i1] + D[i1] * t0, p1b = A[i1] + D[i1] * t1;
    const double p2a = A[i2] + D[i2] * t0, p2b = A[i2] + D[i2] * t1;
    int lo1 = int(std::floor((std::min(p1a, p1b) - R) / v)), hi1 = int(std::ceil((std::max(p1a, p1b) + R) / v));
    int lo2 = int(std::floor((std::min(p2a, p2b) - R) / v)), hi2 = int(std::ceil((std::max(p2a, p2b) + R) / v));
    if (i1 == 0) lo1 = std::max(lo1, x0), hi1 = std::min(hi1, x1 - 1);
    if (i2 == 0) lo2 = std::max(lo2, x0), hi2 = std::min(hi2, x1 - 1);
    ijk[k] = ik;
    for (int j = lo1; j <= hi1; ++j) {
      ijk[i1] = j;
      for (int m = lo2; m <= hi2; ++m) {
        ijk[i2] = m;
        double P[3];
        P[k] = c, P[i1] = j * v, P[i2] = m * v;
        const double w[3] = {P[0] - A[0], P[1] - A[1], P[2] - A[2]};
        double t = len2 > 0 ? (w[0] * D[0] + w[1] * D[1] + w[2] * D[2]) / len2 : 0.0;
        t = std::clamp(t, 0.0, 1.0);
        const double e0 = w[0] - t * D[0], e1 = w[1] - t * D[1], e2 = w[2] - t * D[2];
        const double d = std::sqrt(e0 * e0 + e1 * e1 + e2 * e2) - r;
        if (d >= hw) continue;
        // Deep inside is clamped to −band: the sign is all the mesher needs there.
        const float val = float(std::max(d, -hw));
        if (val < acc.getValue(ijk)) acc.setValue(ijk, val);
      }
    }
  }
}

// Voxelises every strut and joint. The x axis is cut into slabs a whole number of leaf nodes wide; each slab is
// its own grid, filled on its own thread with every shape that reaches into it (clipped to it), and the slabs are
// then merged by moving their leaves (disjoint, so nothing is recomputed). A voxel's value is the minimum over
// shapes, so the result does not depend on the slabs or on the order: it is the same grid as a serial sweep.
openvdb::FloatGrid::Ptr voxelise(const WebGraph& g, const Shapes& s, double v, double hw, ProgressSink& sink,
                                 const CancelToken& cancel) {
  struct Item {
    Vec3 a, b;
    double r;  // inflated for the mesher's sag
    int x0, x1;
  };
  std::vector<Item> items;
  items.reserve(s.struts.size() + g.nodes.size());
  auto add = [&](const Vec3& a, const Vec3& b, double r) {
    const double R = r + hw;
    const int x0 = int(std::floor((std::min(a.x, b.x) - R) / v)), x1 = int(std::ceil((std::max(a.x, b.x) + R) / v)) + 1;
    items.push_back({a, b, r, x0, x1});
  };
  for (const auto& t : s.struts) add(t.a, t.b, t.radius + kSag * v * v / t.radius);
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const double r = s.joint_radius[i];
    add(g.nodes[i], g.nodes[i], r + 2 * kSag * v * v / r);
  }
  int lo = INT32_MAX, hi = INT32_MIN;
  for (const auto& it : items) lo = std::min(lo, it.x0), hi = std::max(hi, it.x1);
  constexpr int kLeaf = 8;
  const int slabs_wanted = 4 * int(std::max<std::size_t>(1, std::thread::hardware_concurrency()));
  const int width = kLeaf * std::max(1, (hi - lo + kLeaf * slabs_wanted - 1) / (kLeaf * slabs_wanted));
  const int first = int(std::floor(double(lo) / kLeaf)) * kLeaf;
  const int slabs = (hi - first + width - 1) / width;

  std::vector<openvdb::FloatGrid::Ptr> parts(slabs);
  std::atomic<int> finished{0};
  std::mutex report;
  tbb::parallel_for(0, slabs, [&](int k) {
    const int x0 = first + k * width, x1 = x0 + width;
    auto part = openvdb::FloatGrid::create(float(hw));
    auto acc = part->getAccessor();
    std::size_t n = 0;
    for (const auto& it : items) {
      if (it.x1 <= x0 || it.x0 >= x1) continue;
      if (++n % 256 == 0) cancel.throw_if_stopped();
      stamp_capsule(acc, it.a, it.b, it.r, v, hw, x0, x1);
    }
    parts[k] = part;
    const int done = ++finished;
    std::lock_guard<std::mutex> lock(report);
    sink.progress(0.6 * done / slabs, "voxelising struts");
  });
  cancel.throw_if_stopped();
  auto grid = openvdb::FloatGrid::create(float(hw));
  for (auto& part : parts) grid->tree().merge(part->tree(), openvdb::MERGE_ACTIVE_STATES), part.reset();
  return grid;
}

void stamp_box(Accessor& acc, const Box& b, double v, double hw) {
  int lo[3], hi[3];
  for (int k = 0; k < 3; ++k) lo[k] = int(std::floor((b.lo[k] - hw) / v)), hi[k] = int(std::ceil((b.hi[k] + hw) / v));
  double c[3], h[3];
  for (int k = 0; k < 3; ++k) c[k] = (b.lo[k] + b.hi[k]) / 2, h[k] = (b.hi[k] - b.lo[k]) / 2;
  openvdb::Coord ijk;
  for (int x = lo[0]; x <= hi[0]; ++x)
    for (int y = lo[1]; y <= hi[1]; ++y)
      for (int z = lo[2]; z <= hi[2]; ++z) {
        const double q[3] = {std::abs(x * v - c[0]) - h[0], std::abs(y * v - c[1]) - h[1], std::abs(z * v - c[2]) - h[2]};
        const double ox = std::max(q[0], 0.0), oy = std::max(q[1], 0.0), oz = std::max(q[2], 0.0);
        const double d = std::sqrt(ox * ox + oy * oy + oz * oz) + std::min(std::max({q[0], q[1], q[2]}), 0.0);
        if (d >= hw) continue;
        ijk.reset(x, y, z);
        const float val = float(std::max(d, -hw));
        if (val < acc.getValue(ijk)) acc.setValue(ijk, val);
      }
}

// Six times the signed volume of the tetrahedron (origin, a, b, c); summed over a closed shell: six times its volume.
double volume6(const TriMesh& m, const std::array<std::uint32_t, 3>& t) {
  const auto &a = m.vertices[t[0]], &b = m.vertices[t[1]], &c = m.vertices[t[2]];
  return double(a[0]) * (double(b[1]) * c[2] - double(b[2]) * c[1]) -
         double(a[1]) * (double(b[0]) * c[2] - double(b[2]) * c[0]) +
         double(a[2]) * (double(b[0]) * c[1] - double(b[1]) * c[0]);
}

// Shells: sets of triangles joined by shared vertices, each with its signed volume (the whole mesh's is the sum).
struct Shells {
  std::vector<std::uint32_t> root;  // of every vertex (itself for a vertex no triangle uses)
  std::vector<double> volume;       // signed, indexed by root
  std::size_t count = 0;            // roots that some triangle uses
  double total = 0;
};

Shells find_shells(const TriMesh& m) {
  Shells s;
  auto& parent = s.root;
  parent.resize(m.vertices.size());
  std::iota(parent.begin(), parent.end(), 0u);
  auto find = [&parent](std::uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (const auto& t : m.triangles) {
    const std::uint32_t a = find(t[0]);
    for (int k = 1; k < 3; ++k) {
      const std::uint32_t b = find(t[k]);
      if (a != b) parent[b] = a;
    }
  }
  // One full compression, so the passes below read a vertex's root directly instead of walking to it (this used
  // to be most of the time spent after the mesher on a 3 M-triangle web).
  for (std::uint32_t i = 0; i < parent.size(); ++i) parent[i] = find(i);
  s.volume.assign(m.vertices.size(), 0.0);
  std::vector<char> used(m.vertices.size(), 0);
  for (const auto& t : m.triangles) {
    const std::uint32_t r = parent[t[0]];
    s.volume[r] += volume6(m, t) / 6.0;
    used[r] = 1;
  }
  for (std::uint32_t i = 0; i < parent.size(); ++i)
    if (used[i]) ++s.count, s.total += s.volume[i];
  return s;
}

// Sampling can pinch off a voxel-sized pocket where a strut passes just above the plate or another strut: a closed
// inner shell (a void, negative volume) or a speck. Neither is printable geometry; slicers count them as extra parts.
// Drop voids of any size (a web has no wanted cavities) and specks under a few voxels; returns how many went.
// `shells` must describe `m` with outward orientation.
std::size_t drop_artefact_shells(TriMesh& m, const Shells& shells, double voxel) {
  if (shells.count <= 1) return 0;
  const double speck = 8 * voxel * voxel * voxel;
  std::vector<char> keep_root(m.vertices.size(), 1);
  std::size_t dropped = 0;
  for (const auto& t : m.triangles) {
    const std::uint32_t r = shells.root[t[0]];
    if (keep_root[r] && shells.volume[r] < speck) keep_root[r] = 0, ++dropped;
  }
  if (!dropped) return 0;
  // In place: keep the triangles of kept shells, then renumber the vertices they use in their old order.
  m.triangles.erase(std::remove_if(m.triangles.begin(), m.triangles.end(),
                                   [&](const auto& t) { return !keep_root[shells.root[t[0]]]; }),
                    m.triangles.end());
  constexpr std::uint32_t kUnused = UINT32_MAX;
  std::vector<std::uint32_t> remap(m.vertices.size(), kUnused);
  for (const auto& t : m.triangles)
    for (std::uint32_t i : t) remap[i] = 0;
  std::uint32_t next = 0;
  for (std::uint32_t i = 0; i < remap.size(); ++i)
    if (remap[i] != kUnused) m.vertices[next] = m.vertices[i], remap[i] = next++;
  m.vertices.resize(next);
  for (auto& t : m.triangles)
    for (std::uint32_t& i : t) i = remap[i];
  return dropped;
}

std::string gib(double bytes) {
  std::ostringstream s;
  s.precision(3);
  s << bytes / (1024.0 * 1024.0 * 1024.0);
  return s.str();
}

}  // namespace

double effective_voxel_mm(const WebGraph& g, const StrutParams& p) {
  check_params(p);
  return voxel_size(collect_shapes(g, p), p);
}

double estimate_grid_bytes(const WebGraph& g, const StrutParams& p) {
  check_params(p);
  const Shapes s = collect_shapes(g, p);
  return estimate_bytes(g, s, p, voxel_size(s, p));
}

TriMesh mesh_struts(const WebGraph& g, const StrutParams& p, ProgressSink& sink, const CancelToken& cancel) {
  check_params(p);
  const Shapes s = collect_shapes(g, p);
  const double v = voxel_size(s, p);
  const double bytes = estimate_bytes(g, s, p, v);
  if (bytes > p.memory_budget_gib * 1024.0 * 1024.0 * 1024.0) {
    std::ostringstream msg;
    msg << "the voxel grid would need about " << gib(bytes) << " GiB (voxel " << v << " mm for struts of "
        << 2 * s.thinnest_radius << " mm, " << s.struts.size() << " struts), over the budget of "
        << p.memory_budget_gib << " GiB: use a smaller scale or size, thicker struts, or a coarser voxel";
    throw Error(msg.str(), "strut mesh");
  }
  // OpenVDB's Coord is int32: keep the model well inside it (a web in metres at a micron voxel would not be).
  for (const Vec3& n : g.nodes)
    for (double c : {n.x, n.y, n.z})
      if (std::abs(c) / v > 1e9)
        throw Error("a node at " + std::to_string(c) + " mm is too far out for the voxel size " + std::to_string(v) +
                        " mm: centre the web or coarsen the voxel",
                    "strut mesh");

  static std::once_flag init;
  std::call_once(init, [] { openvdb::initialize(); });
  const double hw = kBandVoxels * v;
  using clock = std::chrono::steady_clock;
  auto since = [](clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); };
  auto t_phase = clock::now();
  std::ostringstream timing;  // one log line with the phase times, for the CLI's verbose output and the bench
  timing.precision(3);
  sink.progress(0.0, "voxelising struts");
  auto grid = voxelise(g, s, v, hw, sink, cancel);
  grid->setTransform(openvdb::math::Transform::createLinearTransform(v));
  grid->setGridClass(openvdb::GRID_LEVEL_SET);
  auto acc = grid->getAccessor();
  if (p.base_plate) stamp_box(acc, plate_box(g, s, p, v), v, hw);
  cancel.throw_if_stopped();

  timing << "voxelise " << since(t_phase) << " s (" << grid->activeVoxelCount() << " voxels)";
  t_phase = clock::now();
  sink.progress(0.6, "extracting the surface");
  std::vector<openvdb::Vec3s> points;
  std::vector<openvdb::Vec3I> tris;
  std::vector<openvdb::Vec4I> quads;
  openvdb::tools::volumeToMesh(*grid, points, tris, quads, 0.0, 0.0, true);
  grid.reset();
  cancel.throw_if_stopped();
  timing << ", surface " << since(t_phase) << " s";
  t_phase = clock::now();

  TriMesh m;
  m.vertices.resize(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) m.vertices[i] = {points[i][0], points[i][1], points[i][2]};
  points = {};
  auto area2 = [&m](std::uint32_t i, std::uint32_t j, std::uint32_t k) {
    const auto &a = m.vertices[i], &b = m.vertices[j], &c = m.vertices[k];
    const double u[3] = {double(b[0]) - a[0], double(b[1]) - a[1], double(b[2]) - a[2]};
    const double w[3] = {double(c[0]) - a[0], double(c[1]) - a[1], double(c[2]) - a[2]};
    const double n[3] = {u[1] * w[2] - u[2] * w[1], u[2] * w[0] - u[0] * w[2], u[0] * w[1] - u[1] * w[0]};
    return n[0] * n[0] + n[1] * n[1] + n[2] * n[2];
  };
  m.triangles.resize(tris.size() + 2 * quads.size());
  for (std::size_t i = 0; i < tris.size(); ++i) m.triangles[i] = {tris[i][0], tris[i][1], tris[i][2]};
  // Two triangles per quad, in parallel (each quad owns its two slots). Split along the diagonal whose smaller
  // triangle is larger: on flat faces (the base plate) three corners of a quad can be collinear, and the other
  // diagonal would make a zero-area triangle.
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, quads.size(), 1 << 14), [&](const auto& range) {
    for (std::size_t i = range.begin(); i < range.end(); ++i) {
      const auto& q = quads[i];
      auto* t = &m.triangles[tris.size() + 2 * i];
      const double a = std::min(area2(q[0], q[1], q[2]), area2(q[0], q[2], q[3]));
      const double b = std::min(area2(q[0], q[1], q[3]), area2(q[1], q[2], q[3]));
      if (a >= b) {
        t[0] = {q[0], q[1], q[2]}, t[1] = {q[0], q[2], q[3]};
      } else {
        t[0] = {q[0], q[1], q[3]}, t[1] = {q[1], q[2], q[3]};
      }
    }
  });
  // A collapsed quad corner (a repeated vertex) adds nothing: drop such triangles.
  m.triangles.erase(std::remove_if(m.triangles.begin(), m.triangles.end(),
                                   [](const auto& t) { return t[0] == t[1] || t[1] == t[2] || t[0] == t[2]; }),
                    m.triangles.end());
  // volumeToMesh's winding depends on the sign convention; make the right-hand normals point outward.
  Shells shells = find_shells(m);
  if (shells.total < 0) {
    for (auto& t : m.triangles) std::swap(t[1], t[2]);
    for (double& vol : shells.volume) vol = -vol;
  }
  if (const std::size_t n = drop_artefact_shells(m, shells, v))
    sink.log("dropped " + std::to_string(n) + " voxel-sized void(s)/speck(s) left by sampling");
  timing << ", triangles " << since(t_phase) << " s";
  sink.log(timing.str());
  sink.progress(1.0, "mesh ready");
  return m;
}

double graph_scale_mm(const WebGraph& g, double mm_per_unit, double target_size_mm) {
  if (target_size_mm > 0 && std::isfinite(target_size_mm)) {
    if (g.nodes.empty()) throw Error("the graph has no nodes: nothing to scale", "scale");
    double lo[3] = {1e300, 1e300, 1e300}, hi[3] = {-1e300, -1e300, -1e300};
    for (const Vec3& n : g.nodes) {
      const double c[3] = {n.x, n.y, n.z};
      for (int k = 0; k < 3; ++k) lo[k] = std::min(lo[k], c[k]), hi[k] = std::max(hi[k], c[k]);
    }
    const double extent = std::max({hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]});
    if (!(extent > 0) || !std::isfinite(extent))
      throw Error("all nodes coincide: a target size cannot be reached by scaling", "scale");
    return target_size_mm / extent;
  }
  if (mm_per_unit > 0 && std::isfinite(mm_per_unit)) return mm_per_unit;
  throw Error("graph coordinates have no unit: give a scale (mm per graph unit) or a target size in mm", "scale");
}

WebGraph scale_graph(const WebGraph& g, double f) {
  WebGraph out = g;
  for (Vec3& n : out.nodes) n.x *= f, n.y *= f, n.z *= f;
  return out;
}

}  // namespace weft::web
