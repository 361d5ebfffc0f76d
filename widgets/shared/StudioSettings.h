#pragma once
// The studio's persistent settings (QSettings), with defaults in one place.
#include <QString>

namespace weft::studio {

struct StudioSettings {
  QString device = "cpu";     // "cpu", "cuda", "cuda:N", "auto"
  int threads = 1;            // intra-op threads; 1 was fastest on the 2-core machines measured
  QString outputFolder;       // where exports go by default
  double previewRate = 30.0;  // progress/preview updates per second (0 = every one)

  static StudioSettings load();
  void save() const;
  static QString defaultOutputFolder();
};

}  // namespace weft::studio
