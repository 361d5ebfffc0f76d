#pragma once
// Runs the `weft` command line as a user would (WEFT_CLI_PATH is set by the test's CMake entry).
#include <QProcess>
#include <QString>
#include <QStringList>

namespace weft::testing {

struct CliRun {
  int code;
  QString out, err;
};

inline CliRun runWeft(const QStringList& args) {
  QProcess p;
  p.start(QStringLiteral(WEFT_CLI_PATH), args);
  if (!p.waitForFinished(120000)) return {-1, {}, "timeout"};
  return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
}

}  // namespace weft::testing
