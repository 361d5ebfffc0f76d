// Exported webs go through a real slicer: `prusa-slicer --info` calls them manifold and one part, and
// `prusa-slicer --export-gcode` writes G-code with a positive print time and filament use, for STL (with a base
// plate) and 3MF. Skips only when prusa-slicer is not installed. Tens of seconds on 2 cores: label model.
#include <QtTest/QtTest>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/cancel_token.h"
#include "common/progress_sink.h"
#include "web/mesh_export.h"
#include "web/web_generator.h"
#include "test_web_mesh_support.h"

using namespace weft::web;
using weft::web::testing::run_program;
using weft::web::testing::temp_path;

namespace {

// "; estimated printing time (normal mode) = 1h 2m 3s" → seconds.
double print_seconds(const std::string& gcode) {
  const auto m = QRegularExpression("; estimated printing time \\(normal mode\\) = ([^\\n]+)").match(QString::fromStdString(gcode));
  if (!m.hasMatch()) return -1;
  double s = 0;
  auto it = QRegularExpression("(\\d+)([dhms])").globalMatch(m.captured(1));
  while (it.hasNext()) {
    const auto p = it.next();
    const double n = p.captured(1).toDouble();
    const QString u = p.captured(2);
    s += n * (u == "d" ? 86400 : u == "h" ? 3600 : u == "m" ? 60 : 1);
  }
  return s;
}

double filament_mm(const std::string& gcode) {
  const auto m = QRegularExpression("; filament used \\[mm\\] = ([0-9.]+)").match(QString::fromStdString(gcode));
  return m.hasMatch() ? m.captured(1).toDouble() : -1;
}

}  // namespace

class TestWebMeshSlicer : public QObject {
  Q_OBJECT
 private slots:
  void prusa_slicer_slices_exports_data() {
    QTest::addColumn<QString>("format");
    QTest::addColumn<bool>("plate");
    QTest::newRow("stl + base plate") << "stl" << true;
    QTest::newRow("3mf") << "3mf" << false;
  }
  void prusa_slicer_slices_exports() {
    QFETCH(QString, format);
    QFETCH(bool, plate);
    WebParams wp;
    const WebGraph g = generate_web(wp, 21);
    MeshRequest req;
    req.size_mm = 40;
    req.strut_mm = 1.0;
    req.base_plate = plate;
    req.output = temp_path("slice." + format.toStdString());
    weft::NullSink sink;
    weft::CancelToken cancel;
    const MeshResult r = export_web_mesh(g, req, sink, cancel);
    const QString datadir = QString::fromStdString(temp_path("prusa_datadir"));
    QDir().mkpath(datadir);

    const auto info = run_program("prusa-slicer", {"--datadir", datadir, "--info", QString::fromStdString(req.output)});
    if (!info.ran) QSKIP("prusa-slicer is not installed (apt-get install prusa-slicer)");
    QVERIFY2(info.output.find("manifold = yes") != std::string::npos, info.output.c_str());
    QVERIFY2(info.output.find("number_of_parts =  1") != std::string::npos, info.output.c_str());

    const std::string gcode_path = temp_path("slice_" + format.toStdString() + ".gcode");
    std::remove(gcode_path.c_str());
    const auto run = run_program("prusa-slicer", {"--datadir", datadir, "--export-gcode", QString::fromStdString(req.output),
                                                  "-o", QString::fromStdString(gcode_path)});
    QVERIFY2(run.code == 0, run.output.c_str());
    std::ifstream in(gcode_path);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string gcode = ss.str();
    const double seconds = print_seconds(gcode), filament = filament_mm(gcode);
    qInfo("%s: %zu triangles → G-code %zu bytes, estimated print %.0f s, filament %.1f mm", qPrintable(format),
          r.mesh.triangles.size(), gcode.size(), seconds, filament);
    QVERIFY(gcode.size() > 1000);
    QVERIFY(seconds > 0);
    QVERIFY(filament > 0);
    std::remove(gcode_path.c_str());
    std::remove(req.output.c_str());
    QDir(datadir).removeRecursively();
  }
};

QTEST_GUILESS_MAIN(TestWebMeshSlicer)
#include "test_web_mesh_slicer.moc"
