#pragma once
// The image models the Image tab offers: shipped ones (models/image/<name>/model.json in the source tree, or
// share/weft-studio/models/image/<name>/model.json next to an installed binary) and the model JSONs the user
// opened (remembered in QSettings). Reading a model entry parses only its small JSON file (no weights).
#include <QString>
#include <QStringList>
#include <vector>

namespace weft::studio {

struct ImageModelInfo {
  QString path;          // absolute path of the model JSON
  QString name;          // "fashion" for .../fashion/model.json, else the file's base name
  bool shipped = false;  // found in a models folder (not added by the user)
  QString error;         // why the JSON cannot be used ("" when fine)
  int numClasses = 0;
  QStringList classNames;  // from "class_names" (may be fewer than numClasses)
  int imageSize = 0;
  int latentSize = 0;    // the token grid of the last scale (the mask's real resolution)
  int scales = 0;
  QString cardPath;      // MODEL_CARD.md next to the JSON, if present

  bool ok() const { return error.isEmpty(); }
  QString className(int id) const;  // the name from the JSON, else "class N"; "unconditional" for id < 0
  QString label() const;            // for the picker
};

class ImageModels {
 public:
  static ImageModelInfo read(const QString& jsonPath);       // never throws: problems go to .error
  static QStringList shippedRoots();                         // folders scanned for <name>/model.json
  static std::vector<ImageModelInfo> scan(const QStringList& roots);  // sorted by name
  static QStringList userModels();                           // remembered paths (QSettings "image/userModels")
  static void rememberUserModel(const QString& path);
  static void forgetUserModel(const QString& path);
};

}  // namespace weft::studio
