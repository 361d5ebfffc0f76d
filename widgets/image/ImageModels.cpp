#include "image/ImageModels.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <algorithm>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/json_io.h"
#include "image/model_config.h"
#include "image/result_files.h"

namespace weft::studio {

namespace {
QString userModelsKey(const QString& kind) { return kind + "/userModels"; }
}

QString ImageModelInfo::className(int id) const {
  if (id < 0) return QObject::tr("unconditional");
  if (id < classNames.size() && !classNames[id].isEmpty()) return classNames[id];
  return QObject::tr("class %1").arg(id);
}

QString ImageModelInfo::label() const {
  if (!ok()) return QObject::tr("%1 (cannot be used)").arg(name);
  if (frames > 0)
    return QObject::tr("%1 — %2 frames × %3 px, %4 classes%5").arg(name).arg(frames).arg(imageSize).arg(numClasses)
        .arg(shipped ? QString() : QObject::tr(", opened"));
  return QObject::tr("%1 — %2 px, %3 classes%4").arg(name).arg(imageSize).arg(numClasses)
      .arg(shipped ? QString() : QObject::tr(", opened"));
}

ImageModelInfo ImageModels::read(const QString& jsonPath) {
  ImageModelInfo info;
  const QFileInfo fi(jsonPath);
  info.path = fi.absoluteFilePath();
  info.name = QString::fromStdString(image::model_display_name(info.path.toStdString()));
  const QString card = fi.absoluteDir().filePath("MODEL_CARD.md");
  if (QFileInfo(card).isFile()) info.cardPath = card;
  if (!fi.isFile()) {
    info.error = QObject::tr("%1: no such file").arg(jsonPath);
    return info;
  }
  if (fi.size() > 16 * 1024 * 1024) {
    info.error = QObject::tr("%1: too large for a model JSON").arg(jsonPath);
    return info;
  }
  try {
    const std::string where = info.path.toStdString();
    const Json j = parse_json(read_file(where), where);
    const auto config = image::ModelConfig::from_json(j, where);
    config.validate(where);
    if (!j.contains("weights") || !j.at("weights").is_object())
      throw Error("missing \"weights\": {\"vqvae\": file, \"var\": file}", where);
    for (const char* key : {"vqvae", "var"}) {
      QString w = QString::fromStdString(json_require<std::string>(j.at("weights"), key, where + ", weights"));
      if (QFileInfo(w).isRelative()) w = fi.absoluteDir().filePath(w);
      if (!QFileInfo(w).isFile())
        throw Error(QObject::tr("the %1 weights file %2 does not exist").arg(key, w).toStdString(), where);
    }
    info.numClasses = config.var.num_classes;
    for (const auto& n : config.class_names) info.classNames << QString::fromStdString(n);
    info.imageSize = config.image_size();
    info.latentSize = config.patch_nums.empty() ? 0 : config.patch_nums.back();
    info.scales = int(config.patch_nums.size());
    info.frames = config.is_video() ? config.video.frames : 0;
    info.fps = config.is_video() ? config.video.fps : 0;
    if (const auto rec = image::recommended_sampling(j, where)) {
      info.hasRecommended = true;
      info.cfg = rec->cfg;
      info.topK = rec->top_k;
      info.topP = rec->top_p;
    }
  } catch (const Error& e) {
    info.error = QString::fromStdString(e.what());
  } catch (const std::exception& e) {
    info.error = QObject::tr("%1: %2").arg(jsonPath, QString::fromStdString(e.what()));
  }
  return info;
}

QStringList ImageModels::shippedRoots(const QString& kind) {
  QStringList roots{QDir(QCoreApplication::applicationDirPath()).filePath("../share/weft-studio/models/" + kind)};
#ifdef WEFT_MODELS_DIR
  roots << QStringLiteral(WEFT_MODELS_DIR "/") + kind;
#endif
  const QString extra = qEnvironmentVariable(kind == "video" ? "WEFT_VIDEO_MODELS" : "WEFT_IMAGE_MODELS");
  if (!extra.isEmpty()) roots << extra.split(':', Qt::SkipEmptyParts);
  return roots;
}

std::vector<ImageModelInfo> ImageModels::scan(const QStringList& roots) {
  std::vector<ImageModelInfo> out;
  QStringList seen;
  for (const QString& root : roots) {
    const QDir dir(root);
    if (!dir.exists()) continue;
    for (const QString& sub : dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
      const QString json = QDir(dir.filePath(sub)).filePath("model.json");
      const QString canonical = QFileInfo(json).canonicalFilePath();
      if (canonical.isEmpty() || seen.contains(canonical)) continue;
      seen << canonical;
      ImageModelInfo info = read(canonical);
      info.shipped = true;
      out.push_back(std::move(info));
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const ImageModelInfo& a, const ImageModelInfo& b) { return a.name < b.name; });
  return out;
}

QStringList ImageModels::userModels(const QString& kind) { return QSettings().value(userModelsKey(kind)).toStringList(); }

void ImageModels::rememberUserModel(const QString& path, const QString& kind) {
  QStringList list = userModels(kind);
  const QString abs = QFileInfo(path).absoluteFilePath();
  list.removeAll(abs);
  list.prepend(abs);
  while (list.size() > 20) list.removeLast();
  QSettings().setValue(userModelsKey(kind), list);
}

void ImageModels::forgetUserModel(const QString& path, const QString& kind) {
  QStringList list = userModels(kind);
  list.removeAll(QFileInfo(path).absoluteFilePath());
  QSettings().setValue(userModelsKey(kind), list);
}

}  // namespace weft::studio
