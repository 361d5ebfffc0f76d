// `weft web export` as a user types it: in-process through the same CLI11 definitions (app/web_commands.cpp), and
// once through the real weft binary — files written and read back, reports printed, bad requests are errors that
// write nothing.
#include <QtTest/QtTest>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli_run.h"
#include "common/error.h"
#include "web/graph_files.h"
#include "web/mesh_io.h"
#include "web/printability.h"
#include "web/web_generator.h"
#include "web_cli_in_process.h"
#include "web_commands.h"
#include "test_web_mesh_support.h"

using namespace weft::web;
using weft::web::testing::weft_web;
using weft::web::testing::temp_path;

namespace {

bool exists(const std::string& path) { return std::ifstream(path).good(); }

std::string orb_graph_file() {
  const std::string path = temp_path("orb.json");
  WebParams p;
  write_graph_json(path, generate_web(p, 5));
  return path;
}

}  // namespace

class TestWebMeshCli : public QObject {
  Q_OBJECT
 private slots:
  void export_stl_with_report() {
    const std::string graph = orb_graph_file(), out = temp_path("orb.stl");
    const std::string said = weft_web({"web", "export", graph, "-o", out, "--size", "40", "--strut", "1.0", "--report"});
    qInfo("%s", said.c_str());
    QVERIFY(said.find("wrote " + out) != std::string::npos);
    QVERIFY(said.find("watertight     yes") != std::string::npos);
    QVERIFY(said.find("printable      yes") != std::string::npos);
    const TriMesh back = read_stl(out);
    QVERIFY(check_edges(back).closed_manifold());
    std::remove(out.c_str());
    std::remove(graph.c_str());
  }

  void export_3mf_json_and_bed_warning() {
    const std::string graph = orb_graph_file(), out = temp_path("orb.3mf");
    const std::string said = weft_web({"web", "export", graph, "-o", out, "--size", "60", "--strut", "1.2", "--bed",
                                       "50,50,50", "--base-plate", "--json"});
    const auto j = nlohmann::json::parse(said);
    QCOMPARE(j["weft"]["job"].get<std::string>(), std::string("web-export"));
    QCOMPARE(j["weft"]["request"]["strut_mm"].get<double>(), 1.2);
    QVERIFY(j["weft"]["request"]["base_plate"].get<bool>());
    QVERIFY(j["report"]["watertight"].get<bool>());
    QVERIFY(!j["report"]["fits_bed"].get<bool>());
    QCOMPARE(j["report"]["components"].get<int>(), 1);
    const TriMesh back = read_3mf(out);
    QCOMPARE(back.triangles.size(), j["report"]["triangles"].get<std::size_t>());
    std::remove(out.c_str());
    std::remove(graph.c_str());
  }

  void formats_by_flag() {
    const std::string graph = orb_graph_file();
    for (const char* f : {"ascii-stl", "obj"}) {
      const std::string out = temp_path(std::string("orb_") + f + (std::string(f) == "obj" ? ".obj" : ".stl"));
      weft_web({"web", "export", graph, "-o", out, "--size", "30", "--strut", "1.0", "--format", f});
      QVERIFY(check_edges(read_mesh(out)).closed_manifold());
      std::remove(out.c_str());
    }
    std::remove(graph.c_str());
  }

  void bad_requests_write_nothing() {
    const std::string graph = orb_graph_file(), out = temp_path("never.stl");
    QVERIFY_THROWS_EXCEPTION(weft::Error, weft_web({"web", "export", graph, "-o", out, "--strut", "1"}));  // no unit
    QVERIFY_THROWS_EXCEPTION(weft::Error, weft_web({"web", "export", graph, "-o", out, "--size", "50", "--strut", "0"}));
    QVERIFY_THROWS_EXCEPTION(weft::Error, weft_web({"web", "export", graph, "-o", temp_path("x.ply"), "--size", "50",
                                                    "--strut", "1"}));
    QVERIFY_THROWS_EXCEPTION(CLI::ParseError, weft_web({"web", "export", graph, "-o", out, "--strut", "1", "--size",
                                                        "50", "--scale", "2"}));  // one or the other
    QVERIFY(!exists(out));
    std::remove(graph.c_str());
  }

  // 3mf-beams: no meshing, one beam per undirected edge; the report says watertightness does not apply.
  void export_3mf_beams() {
    const std::string graph = temp_path("g.json"), out = temp_path("g.3mf");
    // A square with a diagonal; 0→1 and 1→0 are one beam.
    write_graph_json(graph, WebGraph{{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 0.5}},
                                     {{0, 1}, {1, 0}, {1, 2}, {2, 3}, {3, 0}, {0, 2}}});
    const std::vector<std::string> cmd = {"web",       "export",   graph, "-o",     out, "--format",
                                          "3mf-beams", "--strut", "1",   "--size", "50"};
    std::string said = weft_web(cmd);
    qInfo("%s", said.c_str());
    QVERIFY2(said.find("wrote " + out + ": beam lattice, 5 beams on 4 nodes") != std::string::npos, said.c_str());
    const BeamLattice back = read_3mf_beams(out);
    QCOMPARE(back.beams.size(), std::size_t(5));
    for (const Beam& b : back.beams) QVERIFY(b.r[0] == 0.5 && b.r[1] == 0.5);
    QVERIFY(std::abs(back.vertices[1][0] - back.vertices[0][0] - 50.0f) < 1e-4f);  // 1 unit → 50 mm

    auto with = [&cmd](std::initializer_list<std::string> extra) {
      std::vector<std::string> v = cmd;
      v.insert(v.end(), extra);
      return v;
    };
    said = weft_web(with({"--report"}));
    QVERIFY2(said.find("watertight     n/a") != std::string::npos && said.find("printable      yes") != std::string::npos,
             said.c_str());
    const auto j = nlohmann::json::parse(weft_web(with({"--json"})));
    QVERIFY(j["report"]["beam_lattice"].get<bool>());
    QVERIFY(j["report"]["watertight"].is_null());

    // Bad requests leave no file behind.
    std::remove(out.c_str());
    QVERIFY_THROWS_EXCEPTION(weft::Error, weft_web({"web", "export", graph, "-o", out, "--format", "3mf-beams",
                                                    "--strut", "0", "--size", "50"}));
    QVERIFY_THROWS_EXCEPTION(weft::Error, weft_web(with({"--base-plate"})));
    QVERIFY(!exists(out));

    // The weft binary, as a user types it.
    QStringList args;
    for (const auto& a : cmd) args << QString::fromStdString(a);
    const auto run = weft::testing::runWeft(args);
    QVERIFY2(run.code == 0, qPrintable(run.err));
    QVERIFY(run.out.contains("beam lattice"));
    QCOMPARE(read_3mf_beams(out).beams.size(), std::size_t(5));
    std::remove(out.c_str());
    std::remove(graph.c_str());
  }

  // The weft binary end to end, including the exit code and message for a broken graph file.
  void weft_binary() {
    const std::string graph = orb_graph_file(), out = temp_path("bin.stl");
    auto r = weft::testing::runWeft({"web", "export", QString::fromStdString(graph), "-o", QString::fromStdString(out),
                                     "--size", "30", "--strut", "1.0"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(r.out.contains("watertight"));
    QVERIFY(exists(out));
    std::remove(out.c_str());
    const std::string bad = temp_path("bad.json");
    {
      std::ofstream f(bad);
      f << R"({"nodes": [[0,0,0],[1,0,0]], "edges": [[0,7]]})";
    }
    r = weft::testing::runWeft({"web", "export", QString::fromStdString(bad), "-o", QString::fromStdString(out),
                                "--size", "50", "--strut", "1.0"});
    QVERIFY(r.code != 0);
    QVERIFY2(r.err.contains("bad.json") && r.err.contains("7"), qPrintable(r.err));
    QVERIFY(!exists(out));
    std::remove(bad.c_str());
    std::remove(graph.c_str());
  }
};

QTEST_GUILESS_MAIN(TestWebMeshCli)
#include "test_web_mesh_cli.moc"
