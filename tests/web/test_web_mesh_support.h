#pragma once
// Shared by the web mesh tests: temp paths, and running admesh / prusa-slicer (Debian packages) on a file and
// reading their verdicts from the text they print.
#include <QCoreApplication>
#include <QDir>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>

#include <string>

namespace weft::web::testing {

inline std::string temp_path(const std::string& name) {
  return QDir::temp()
      .filePath(QString::fromStdString("weft_mesh_" + std::to_string(QCoreApplication::applicationPid()) + "_" + name))
      .toStdString();
}

struct ProcessRun {
  bool ran = false;  // false: the program is not installed
  int code = -1;
  std::string output;  // stdout + stderr
};

inline ProcessRun run_program(const QString& program, const QStringList& args, int timeout_ms = 300000) {
  ProcessRun r;
  if (QStandardPaths::findExecutable(program).isEmpty()) return r;
  QProcess p;
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.start(program, args);
  r.ran = p.waitForStarted(10000);
  if (!r.ran) return r;
  if (!p.waitForFinished(timeout_ms)) p.kill(), p.waitForFinished(5000);
  r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  r.output = p.readAll().toStdString();
  return r;
}

// admesh's "Results" table: a clean file has no disconnected facets, and nothing was fixed, removed, added or
// reversed (its default run checks exact edges, fills holes, fixes normal directions and values).
struct AdmeshVerdict {
  bool ran = false;
  long facets = -1, disconnected = -1, parts = -1, degenerate = -1, edges_fixed = -1, removed = -1, added = -1,
       reversed = -1, backwards = -1, normals_fixed = -1;
  double volume = 0;
  std::string output, summary;
  bool clean() const {
    return facets > 0 && disconnected == 0 && degenerate == 0 && edges_fixed == 0 && removed == 0 && added == 0 &&
           reversed == 0 && backwards == 0 && normals_fixed == 0;
  }
};

inline AdmeshVerdict admesh_check(const std::string& stl) {
  AdmeshVerdict v;
  const ProcessRun r = run_program("admesh", {QString::fromStdString(stl)});
  v.ran = r.ran;
  v.output = r.output;
  const QString text = QString::fromStdString(r.output);
  auto first = [&text](const char* label) -> long {
    const auto m = QRegularExpression(QString("%1\\s*:\\s*(\\d+)").arg(QRegularExpression::escape(label))).match(text);
    return m.hasMatch() ? m.captured(1).toLong() : -1;
  };
  v.facets = first("Number of facets");
  v.disconnected = first("Total disconnected facets");
  v.parts = first("Number of parts");
  v.degenerate = first("Degenerate facets");
  v.edges_fixed = first("Edges fixed");
  v.removed = first("Facets removed");
  v.added = first("Facets added");
  v.reversed = first("Facets reversed");
  v.backwards = first("Backwards edges");
  v.normals_fixed = first("Normals fixed");
  const auto vol = QRegularExpression("Volume\\s*:\\s*([-0-9.eE+]+)").match(text);
  if (vol.hasMatch()) v.volume = vol.captured(1).toDouble();
  v.summary = "admesh: facets " + std::to_string(v.facets) + ", disconnected " + std::to_string(v.disconnected) +
              ", parts " + std::to_string(v.parts) + ", degenerate " + std::to_string(v.degenerate) +
              ", edges fixed " + std::to_string(v.edges_fixed) + ", facets removed/added/reversed " +
              std::to_string(v.removed) + "/" + std::to_string(v.added) + "/" + std::to_string(v.reversed) +
              ", backwards edges " + std::to_string(v.backwards) + ", normals fixed " +
              std::to_string(v.normals_fixed) + ", volume " + std::to_string(v.volume);
  return v;
}

}  // namespace weft::web::testing
