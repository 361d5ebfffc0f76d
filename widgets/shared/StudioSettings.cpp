#include "shared/StudioSettings.h"

#include <QDir>
#include <QSettings>
#include <QStandardPaths>

namespace weft::studio {

QString StudioSettings::defaultOutputFolder() {
  QString docs = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
  if (docs.isEmpty()) docs = QDir::homePath();
  return QDir(docs).filePath("Weft Studio");
}

StudioSettings StudioSettings::load() {
  QSettings s;
  StudioSettings out;
  out.device = s.value("device", out.device).toString();
  out.threads = std::max(1, s.value("threads", out.threads).toInt());
  out.outputFolder = s.value("outputFolder", defaultOutputFolder()).toString();
  out.previewRate = std::max(0.0, s.value("previewRate", out.previewRate).toDouble());
  return out;
}

void StudioSettings::save() const {
  QSettings s;
  s.setValue("device", device);
  s.setValue("threads", threads);
  s.setValue("outputFolder", outputFolder);
  s.setValue("previewRate", previewRate);
}

}  // namespace weft::studio
