// `weft web assemble` run as a user runs it (a process): each path kind writes a graph that reads back, the
// paper's index rule gives its node count, and bad inputs exit non-zero with a clear message and no file.
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <fstream>

#include "cli_run.h"
#include "web/graph_files.h"

using weft::testing::runWeft;
using namespace weft::web;

class TestWebAssemblyCli : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString path(const char* name) const { return dir_.filePath(name); }

 private slots:
  void helix_default_unit() {
    const QString out = path("helix.json");
    const auto r = runWeft({"web", "assemble", "--steps", "20", "--seed", "3", "-o", out});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(r.out.contains("21 units along the helix path"));
    const WebGraph g = read_graph_file(out.toStdString());
    QVERIFY(is_connected(g));
    QVERIFY(g.nodes.size() <= 21 * 32);
  }

  void paper_index_rule_count() {
    const QString out = path("index.json");
    const auto r = runWeft({"web", "assemble", "--weld-mode", "index", "-o", out, "--json"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(r.out.contains("\"nodes\": 1312"));  // 32 + 80 · 16
    QCOMPARE(read_graph_file(out.toStdString()).nodes.size(), std::size_t(1312));
  }

  void curves_and_points() {
    for (const QStringList& args :
         {QStringList{"--path", "attractor", "--steps", "40"}, QStringList{"--path", "circle", "--steps", "12"},
          QStringList{"--path", "expr", "--expr", "30*cos(t), 30*sin(t), 2*t", "--t1", "6", "--steps", "15"}}) {
      const QString out = path("curve.json");
      const auto r = runWeft(QStringList{"web", "assemble", "-o", out} + args);
      QVERIFY2(r.code == 0, qPrintable(r.err));
      QVERIFY(is_connected(read_graph_file(out.toStdString())));
    }
    // A unit from a file, placed at points from a CSV.
    const QString unit = path("unit.json"), pts = path("pts.csv"), out = path("pts_out.json");
    write_graph_json(unit.toStdString(), WebGraph{{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}}, {{1, 0}, {2, 0}}});
    std::ofstream(pts.toStdString()) << "x,y,z\n0,0,0\n10,0,0\n20,0,0\n";
    const auto r = runWeft({"web", "assemble", unit, "--path", "points", "--points", pts, "--scale", "1", "-o", out});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const WebGraph g = read_graph_file(out.toStdString());
    QCOMPARE(g.nodes.size(), std::size_t(9));
    QCOMPARE(g.edges.size(), std::size_t(6 + 2));  // the units' edges + 2 bridges
    QVERIFY(is_connected(g));
  }

  void bad_inputs_write_nothing() {
    const QString pts = path("text.csv");
    std::ofstream(pts.toStdString()) << "0,0,0\nthis is not a point\n";
    const struct {
      QStringList args;
      const char* says;
    } cases[] = {
        {{"--steps", "0"}, "steps must be at least 1"},
        {{"--path", "spiral"}, "unknown path kind \"spiral\""},
        {{"--path", "expr", "--expr", "cos(t), sin(t)*, t"}, "at column 16"},
        {{"--path", "expr", "--expr", "cos(t), sin(t)"}, "three expressions"},
        {{"--path", "points", "--points", pts}, "line 2"},
        {{"--stagger", "1.5"}, "stagger must be between"},
    };
    for (const auto& c : cases) {
      const QString out = path("bad.json");
      const auto r = runWeft(QStringList{"web", "assemble", "-o", out} + c.args);
      QVERIFY2(r.code != 0, qPrintable(c.args.join(' ')));
      QVERIFY2(r.err.contains(c.says), qPrintable(r.err));
      QVERIFY2(!QFile::exists(out), qPrintable(c.args.join(' ')));
    }
  }
};

QTEST_GUILESS_MAIN(TestWebAssemblyCli)
#include "test_web_assembly_cli.moc"
