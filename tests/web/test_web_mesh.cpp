// Graph → printable mesh: closed, edge-manifold, outward, the right volume and topology; every file format written
// atomically and read back; admesh finds nothing to repair; bad graphs and impossible requests are clear errors
// that write no file. 3mf-beams: one beam per undirected edge, read back with lib3mf in mm.
#include <QtTest/QtTest>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <utility>

#include "common/cancel_token.h"
#include "common/error.h"
#include "common/progress_sink.h"
#include "web/beam_lattice.h"
#include "web/mesh_export.h"
#include "web/mesh_io.h"
#include "web/printability.h"
#include "web/strut_mesh.h"
#include "web/web_generator.h"
#include "test_web_mesh_support.h"

using namespace weft::web;
using weft::web::testing::admesh_check;
using weft::web::testing::temp_path;

namespace {

WebGraph graph(std::vector<Vec3> nodes, std::vector<Edge> edges) { return WebGraph{std::move(nodes), std::move(edges)}; }

TriMesh mesh_of(const WebGraph& g, double strut_mm, double joint = 1.2, double voxels_per_radius = 3) {
  StrutParams p;
  p.strut_diameter_mm = strut_mm;
  p.joint_factor = joint;
  p.voxels_per_radius = voxels_per_radius;
  weft::NullSink sink;
  weft::CancelToken cancel;
  return mesh_struts(g, p, sink, cancel);
}

// V − E + F: 2 for a sphere-like solid, 0 for a ring (one hole), 2 − 2g for g holes.
long euler(const TriMesh& m) {
  const EdgeCheck e = check_edges(m);
  return long(m.vertices.size()) - long(e.edges) + long(m.triangles.size());
}

void verify_solid(const TriMesh& m, std::size_t parts = 1) {
  const EdgeCheck e = check_edges(m);
  QCOMPARE(e.boundary, std::size_t(0));
  QCOMPARE(e.non_manifold, std::size_t(0));
  QCOMPARE(e.misoriented, std::size_t(0));
  QCOMPARE(e.degenerate, std::size_t(0));
  QVERIFY(mesh_volume(m) > 0);
  QCOMPARE(mesh_components(m), parts);
}

bool exists(const std::string& path) { return std::ifstream(path).good(); }

}  // namespace

class TestWebMesh : public QObject {
  Q_OBJECT
 private slots:
  void single_strut_matches_the_capsule_volume() {
    // Joint factor 1: the joints coincide with the caps, so the solid is exactly a capsule.
    const TriMesh m = mesh_of(graph({{0, 0, 0}, {10, 0, 0}}, {{0, 1}}), 2.0, 1.0);
    verify_solid(m);
    QCOMPARE(euler(m), 2L);
    const double r = 1.0, exact = M_PI * r * r * 10 + 4.0 / 3.0 * M_PI * r * r * r;
    const double v = mesh_volume(m);
    qInfo("capsule: %zu triangles, volume %.4f mm³ vs %.4f (%.2f %%)", m.triangles.size(), v, exact,
          100 * (v - exact) / exact);
    QVERIFY(std::abs(v - exact) / exact < 0.02);
    // Bounding box = segment ± radius (to within a voxel).
    float lo = 1e9f, hi = -1e9f;
    for (const auto& p : m.vertices) lo = std::min(lo, p[0]), hi = std::max(hi, p[0]);
    QVERIFY(std::abs(lo + 1.0f) < 0.1f && std::abs(hi - 11.0f) < 0.1f);
  }

  void struts_at_an_angle_and_a_ring() {
    const TriMesh bent = mesh_of(graph({{0, 0, 0}, {10, 0, 0}, {14, 9, 3}}, {{0, 1}, {2, 1}}), 1.2);
    verify_solid(bent);
    QCOMPARE(euler(bent), 2L);
    // A triangle of struts is a ring: one hole, genus 1. Reciprocal entries (0→1 and 1→0) are one strut.
    const TriMesh ring = mesh_of(graph({{0, 0, 0}, {12, 0, 0}, {6, 10, 1}}, {{0, 1}, {1, 0}, {1, 2}, {2, 0}}), 1.2);
    verify_solid(ring);
    QCOMPARE(euler(ring), 0L);
  }

  void generated_orb_web_is_one_watertight_part() {
    WebParams wp;
    wp.family = WebFamily::Orb;
    const WebGraph g = generate_web(wp, 7);
    weft::NullSink sink;
    weft::CancelToken cancel;
    MeshRequest req;
    req.size_mm = 80;
    req.strut_mm = 1.2;
    const MeshResult r = export_web_mesh(g, req, sink, cancel);
    verify_solid(r.mesh);
    QVERIFY(r.report.watertight && r.report.outward && r.report.printable());
    QVERIFY(r.report.fits_bed);
    QVERIFY(r.report.warnings.empty());
    // Longest side ≈ 80 mm plus the struts' thickness; placed on the bed at the origin.
    const double longest = std::max(r.report.size_mm[0], r.report.size_mm[1]);
    QVERIFY2(longest > 80 && longest < 83, qPrintable(QString::number(longest)));
    for (int k = 0; k < 3; ++k) QVERIFY(r.report.bbox_min[k] >= 0 && r.report.bbox_min[k] < 4 * r.voxel_mm);
    qInfo("orb web: %zu nodes, %zu edges → %zu triangles in %.2f s (voxel %.3f mm)", g.nodes.size(), g.edges.size(),
          r.mesh.triangles.size(), r.mesh_seconds, r.voxel_mm);
  }

  void base_plate_is_fused_and_flat() {
    WebParams wp;
    wp.family = WebFamily::Sheet;
    wp.relief = 0.3;
    const WebGraph g = generate_web(wp, 3);
    weft::NullSink sink;
    weft::CancelToken cancel;
    MeshRequest req;
    req.size_mm = 60;
    req.strut_mm = 1.0;
    const MeshResult plain = export_web_mesh(g, req, sink, cancel);
    req.base_plate = true;
    req.plate_thickness_mm = 1.0;
    const MeshResult plated = export_web_mesh(g, req, sink, cancel);
    verify_solid(plated.mesh);
    // The plate's footprint (web + 2 mm margin each side) × 1 mm, minus what it shares with the struts.
    const double footprint = (plain.report.size_mm[0] + 4) * (plain.report.size_mm[1] + 4);
    const double added = plated.report.volume_mm3 - plain.report.volume_mm3;
    QVERIFY2(added > 0.8 * footprint && added < 1.1 * footprint, qPrintable(QString::number(added / footprint)));
    // Flat bottom: many vertices at exactly the lowest z.
    std::size_t on_bed = 0;
    const float bottom = float(plated.report.bbox_min[2]);
    for (const auto& v : plated.mesh.vertices) on_bed += v[2] == bottom;
    QVERIFY(on_bed > 100);
  }

  void files_round_trip_in_every_format() {
    const TriMesh m = mesh_of(graph({{0, 0, 0}, {12, 0, 0}, {6, 10, 1}}, {{0, 1}, {1, 2}, {2, 0}}), 1.2);
    for (MeshFormat f : {MeshFormat::StlBinary, MeshFormat::StlAscii, MeshFormat::Obj, MeshFormat::ThreeMf}) {
      const std::string ext = f == MeshFormat::Obj ? ".obj" : f == MeshFormat::ThreeMf ? ".3mf" : ".stl";
      const std::string path = temp_path(std::string("rt_") + mesh_format_name(f) + ext);
      write_mesh(path, m, f);
      const TriMesh back = read_mesh(path);
      QCOMPARE(back.triangles.size(), m.triangles.size());
      QCOMPARE(back.vertices.size(), m.vertices.size());  // STL welds back to the same vertices: floats are exact
      verify_solid(back);
      QVERIFY(std::abs(mesh_volume(back) - mesh_volume(m)) < 1e-6 * mesh_volume(m));
      if (f == MeshFormat::StlBinary) {
        std::ifstream in(path, std::ios::binary | std::ios::ate);
        QCOMPARE(std::size_t(in.tellg()), 84 + 50 * m.triangles.size());
      }
      std::remove(path.c_str());
    }
  }

  void admesh_finds_nothing_to_repair() {
    WebParams wp;
    const WebGraph g = generate_web(wp, 11);
    weft::NullSink sink;
    weft::CancelToken cancel;
    MeshRequest req;
    req.size_mm = 40;
    req.strut_mm = 1.0;
    for (const char* name : {"admesh.stl", "admesh_ascii.stl"}) {
      req.output = temp_path(name);
      req.format = std::string(name) == "admesh.stl" ? "stl" : "ascii-stl";
      const MeshResult r = export_web_mesh(g, req, sink, cancel);
      const auto a = admesh_check(req.output);
      if (!a.ran) QSKIP("admesh is not installed (apt-get install admesh)");
      qInfo("%s", a.summary.c_str());
      QVERIFY2(a.clean(), a.output.c_str());
      QCOMPARE(a.facets, long(r.mesh.triangles.size()));
      QCOMPARE(a.parts, 1L);
      QVERIFY(std::abs(a.volume - r.report.volume_mm3) < 1e-3 * r.report.volume_mm3);
      std::remove(req.output.c_str());
    }
  }

  void report_warns_about_thin_struts_bed_and_parts() {
    // Two separate struts, 0.5 mm thick, 300 mm apart: thin, too big for the default bed, two parts.
    const WebGraph g = graph({{0, 0, 0}, {10, 0, 0}, {300, 0, 0}, {310, 0, 0}}, {{0, 1}, {2, 3}});
    weft::NullSink sink;
    weft::CancelToken cancel;
    MeshRequest req;
    req.scale_mm = 1.0;
    req.strut_mm = 0.5;
    const MeshResult r = export_web_mesh(g, req, sink, cancel);
    QVERIFY(r.report.watertight);
    QCOMPARE(r.report.components, std::size_t(2));
    QVERIFY(!r.report.fits_bed);
    QCOMPARE(r.report.warnings.size(), std::size_t(3));
    const std::string text = render_print_report(r.report);
    QVERIFY(text.find("under 0.8 mm") != std::string::npos);
    QVERIFY(text.find("does not fit the bed") != std::string::npos);
    QVERIFY(text.find("2 separate parts") != std::string::npos);
    // Thinner than the nozzle is an error, not a warning.
    req.strut_mm = 0.3;
    const MeshResult thin = export_web_mesh(g, req, sink, cancel);
    QVERIFY(!thin.report.printable());
    const auto j = thin.to_json();
    QCOMPARE(j["weft"]["job"].get<std::string>(), std::string("web-export"));
    QCOMPARE(j["report"]["components"].get<int>(), 2);
    QCOMPARE(j["weft"]["request"]["strut_mm"].get<double>(), 0.3);
  }

  void request_json_round_trip() {
    MeshRequest r;
    r.graph_path = "w.json";
    r.size_mm = 150;
    r.strut_mm = 1.4;
    r.base_plate = true;
    r.bed_mm = {250, 210, 200};
    r.format = "3mf";
    r.output = "w.3mf";
    const MeshRequest back = MeshRequest::from_json(r.to_json());
    QCOMPARE(back.to_json(), r.to_json());
    QVERIFY_THROWS_EXCEPTION(weft::Error, MeshRequest::from_json(nlohmann::json{{"strut_mm", "thick"}}));
  }

  void bad_graphs_and_requests_write_nothing() {
    weft::NullSink sink;
    weft::CancelToken cancel;
    const std::string out = temp_path("never.stl");
    std::remove(out.c_str());
    MeshRequest req;
    req.scale_mm = 1;
    req.strut_mm = 1;
    req.output = out;
    const WebGraph ok = graph({{0, 0, 0}, {10, 0, 0}}, {{0, 1}});
    auto expect_error = [&](const WebGraph& g, const MeshRequest& r, const char* needle) {
      try {
        export_web_mesh(g, r, sink, cancel);
        QFAIL(qPrintable(QString("no error, expected one saying \"%1\"").arg(needle)));
      } catch (const weft::Error& e) {
        qInfo("%s", e.what());
        QVERIFY2(std::string(e.what()).find(needle) != std::string::npos, e.what());
      }
      QVERIFY(!exists(out));
    };
    expect_error(graph({{0, 0, 0}, {1, 0, 0}}, {{0, 5}}), req, "5");                  // dangling index
    expect_error(graph({{0, 0, 0}, {NAN, 0, 0}}, {{0, 1}}), req, "");                 // NaN coordinate
    expect_error(WebGraph{}, req, "no nodes");                                         // empty
    expect_error(graph({{0, 0, 0}, {1, 0, 0}}, {}), req, "no edges");                 // nothing to print
    MeshRequest r = req;
    r.strut_mm = 0;
    expect_error(ok, r, "strut diameter");
    r = req;
    r.scale_mm = 0;
    expect_error(ok, r, "scale");                                                      // no unit
    r = req;
    r.scale_mm = 1000;  // a web in metres...
    r.strut_mm = 0.01;  // ...with a hair-thin strut: billions of voxels
    expect_error(ok, r, "GiB");
    r = req;
    r.format = "ply";
    expect_error(ok, r, "unknown mesh format");
    // Cancel: nothing written either.
    weft::CancelToken stop;
    stop.request(weft::CancelToken::Mode::Now);
    QVERIFY_THROWS_EXCEPTION(weft::Cancelled, export_web_mesh(generate_web(WebParams{}, 1), [&] {
      MeshRequest c = req;
      c.size_mm = 100;
      return c;
    }(), sink, stop));
    QVERIFY(!exists(out));
  }

  void beam_lattice_round_trips_through_lib3mf() {
    // A reciprocal pair (0→1 and 1→0) is one beam: 5 undirected edges from 6 entries.
    const WebGraph g =
        graph({{0, 0, 0}, {10, 0, 0}, {10, 8, 2}, {0, 8, 4}}, {{0, 1}, {1, 0}, {1, 2}, {2, 3}, {3, 0}, {0, 2}});
    weft::NullSink sink;
    weft::CancelToken cancel;
    MeshRequest req;
    req.size_mm = 50;  // longest side 10 units → 5 mm per unit, as for the strut mesh
    req.strut_mm = 1.2;
    req.format = "3mf-beams";
    req.output = temp_path("beams.3mf");
    const MeshResult r = export_web_mesh(g, req, sink, cancel);
    QCOMPARE(r.written, req.output);
    QCOMPARE(r.mm_per_unit, 5.0);
    QVERIFY(r.mesh.triangles.empty());

    const BeamLattice back = read_3mf_beams(req.output);  // throws unless the file's unit is millimetre
    QCOMPARE(back.vertices.size(), g.nodes.size());
    QCOMPARE(back.beams.size(), std::size_t(5));
    std::set<std::pair<std::uint32_t, std::uint32_t>> pairs;
    for (const Beam& b : back.beams) {
      pairs.insert(std::minmax(b.v[0], b.v[1]));
      QVERIFY(std::abs(b.r[0] - 0.6) < 1e-9 && std::abs(b.r[1] - 0.6) < 1e-9);
    }
    QCOMPARE(pairs, (std::set<std::pair<std::uint32_t, std::uint32_t>>{{0, 1}, {1, 2}, {2, 3}, {0, 3}, {0, 2}}));
    QVERIFY(back.sphere_caps);
    QVERIFY(std::abs(back.min_length_mm - kBeamMinLengthMm) < 1e-12);
    // Nodes × 5 mm, placed so the lattice (nodes ± radius) starts at the origin: x + 0.6 mm on every axis.
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
      const double want[3] = {5 * g.nodes[i].x + 0.6, 5 * g.nodes[i].y + 0.6, 5 * g.nodes[i].z + 0.6};
      for (int k = 0; k < 3; ++k) QVERIFY2(std::abs(back.vertices[i][k] - want[k]) < 1e-4, qPrintable(QString::number(i)));
    }

    // The report: bed, strut and parts are checked; watertightness does not apply and is not claimed.
    QVERIFY(r.report.beam_lattice && r.report.printable() && r.report.fits_bed);
    QCOMPARE(r.report.beams, std::size_t(5));
    QCOMPARE(r.report.components, std::size_t(1));
    QVERIFY(r.report.warnings.empty());
    const double size[3] = {51.2, 41.2, 21.2};
    for (int k = 0; k < 3; ++k)
      QVERIFY(std::abs(r.report.size_mm[k] - size[k]) < 1e-4 && std::abs(r.report.bbox_min[k]) < 1e-4);
    QVERIFY(render_print_report(r.report).find("watertight     n/a") != std::string::npos);
    const auto j = r.to_json();
    QVERIFY(j["report"]["watertight"].is_null());
    QCOMPARE(j["weft"]["request"]["format"].get<std::string>(), std::string("3mf-beams"));
    std::remove(req.output.c_str());
  }

  void beam_lattice_warnings_and_bad_requests() {
    weft::NullSink sink;
    weft::CancelToken cancel;
    const std::string out = temp_path("never_beams.3mf");
    std::remove(out.c_str());
    MeshRequest req;
    req.scale_mm = 1;
    req.strut_mm = 0.5;
    req.format = "3mf-beams";
    // Two separate struts, thin, plus a node without any edge (a lattice cannot show it).
    const WebGraph g = graph({{0, 0, 0}, {10, 0, 0}, {50, 0, 0}, {60, 0, 0}, {30, 30, 0}}, {{0, 1}, {2, 3}});
    const MeshResult r = export_web_mesh(g, req, sink, cancel);  // no output: report only
    QCOMPARE(r.report.components, std::size_t(2));
    QCOMPARE(r.report.thinnest_strut_mm, 0.5);
    const std::string text = render_print_report(r.report);
    QVERIFY2(text.find("under 0.8 mm") != std::string::npos && text.find("2 separate parts") != std::string::npos &&
                 text.find("1 node without a strut") != std::string::npos,
             text.c_str());

    req.output = out;
    auto expect_error = [&](const MeshRequest& bad, const char* needle) {
      try {
        export_web_mesh(graph({{0, 0, 0}, {10, 0, 0}}, {{0, 1}}), bad, sink, cancel);
        QFAIL(qPrintable(QString("no error, expected one saying \"%1\"").arg(needle)));
      } catch (const weft::Error& e) {
        QVERIFY2(std::string(e.what()).find(needle) != std::string::npos, e.what());
      }
      QVERIFY(!exists(out));
    };
    MeshRequest bad = req;
    bad.strut_mm = 0;
    expect_error(bad, "strut diameter");
    bad = req;
    bad.strut_mm = -1;
    expect_error(bad, "strut diameter");
    bad = req;
    bad.base_plate = true;
    expect_error(bad, "base plate");
    // The writer itself refuses what lib3mf 1.8 would write without complaint (r1="0").
    BeamLattice l;
    l.vertices = {{0, 0, 0}, {1, 0, 0}};
    l.beams = {Beam{{0, 1}, {0.5, 0.0}}};
    QVERIFY_THROWS_EXCEPTION(weft::Error, write_3mf_beams(out, l));
    QVERIFY(!exists(out));
    QVERIFY_THROWS_EXCEPTION(weft::Error, write_mesh(out, TriMesh{}, MeshFormat::ThreeMfBeams));
    QVERIFY(!exists(out));
  }
};

QTEST_GUILESS_MAIN(TestWebMesh)
#include "test_web_mesh.moc"
