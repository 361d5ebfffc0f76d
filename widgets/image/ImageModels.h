#pragma once
// The models the Image and Video tabs offer: shipped ones (models/<kind>/<name>/model.json in the source tree, or
// share/weft-studio/models/<kind>/<name>/model.json next to an installed binary; kind "image" or "video") and the
// model JSONs the user opened (remembered in QSettings per kind). Reading a model entry parses only its small JSON
// file (no weights).
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
  int frames = 0;        // video models: frames per clip (0: a picture model)
  double fps = 0;        // video models: playback rate
  QString cardPath;      // MODEL_CARD.md next to the JSON, if present
  // model.json "recommended" sampling (the settings its card measured), when it has one.
  bool hasRecommended = false;
  double cfg = 0;
  int topK = 0;
  double topP = 0;

  bool ok() const { return error.isEmpty(); }
  QString className(int id) const;  // the name from the JSON, else "class N"; "unconditional" for id < 0
  QString label() const;            // for the picker
};

class ImageModels {
 public:
  static ImageModelInfo read(const QString& jsonPath);       // never throws: problems go to .error
  // Folders scanned for <name>/model.json ($WEFT_IMAGE_MODELS / $WEFT_VIDEO_MODELS add more, ':'-separated).
  static QStringList shippedRoots(const QString& kind = QStringLiteral("image"));
  static std::vector<ImageModelInfo> scan(const QStringList& roots);  // sorted by name
  // Remembered paths (QSettings "<kind>/userModels").
  static QStringList userModels(const QString& kind = QStringLiteral("image"));
  static void rememberUserModel(const QString& path, const QString& kind = QStringLiteral("image"));
  static void forgetUserModel(const QString& path, const QString& kind = QStringLiteral("image"));
};

}  // namespace weft::studio
