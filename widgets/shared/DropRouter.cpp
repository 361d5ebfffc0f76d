#include "shared/DropRouter.h"

#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>
#include <QJsonDocument>
#include <QJsonObject>

#include "common/error.h"
#include "common/pth_reader.h"

namespace weft::studio {

namespace {

QByteArray head(const QString& path, qint64 n) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.read(n) : QByteArray();
}

bool isImageFile(const QString& path) {
  static const QStringList suffixes{"png", "jpg", "jpeg", "bmp", "gif", "webp", "ppm", "pgm", "tif", "tiff"};
  return suffixes.contains(QFileInfo(path).suffix().toLower());
}

// Looks like safetensors: 8-byte little-endian header length that fits the file, then '{'.
bool looksLikeSafetensors(const QByteArray& h, qint64 fileSize) {
  if (h.size() < 9) return false;
  quint64 n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | quint8(h[i]);
  return n > 1 && n + 8 <= quint64(fileSize) && h[8] == '{';
}

// A .pt whose pickle is the paper's 7-tuple (input [N,64,16], y [N,7], ...) is a web dataset, not a model.
bool isWebDatasetTuple(const QString& path) {
  try {
    weft::PyValue root = weft::read_pth(path.toStdString(), weft::PthOptions{false});
    if (root.kind != weft::PyValue::Kind::Tuple || root.items.size() != 7) return false;
    const auto& first = root.items[0];
    return first.kind == weft::PyValue::Kind::Tensor && first.tensor->shape.size() == 3;
  } catch (const weft::Error&) {
    return false;
  }
}

DropClassification classifyText(const QString& path, const QByteArray& h) {
  const QByteArray trimmed = h.trimmed();
  if (trimmed.startsWith('{')) {
    QFile f(path);
    if (QFileInfo(path).size() < 64 * 1024 * 1024 && f.open(QIODevice::ReadOnly)) {
      QJsonDocument doc = QJsonDocument::fromJson(f.readAll());
      if (doc.isObject() && doc.object().contains("nodes") && doc.object().contains("edges"))
        return {DropKind::GraphFile, QObject::tr("JSON with \"nodes\" and \"edges\"")};
    }
    return {DropKind::Unknown, QObject::tr("JSON file that is not a web graph")};
  }
  const QByteArray firstLine = trimmed.left(trimmed.indexOf('\n')).trimmed().toLower();
  for (char sep : {',', ';', '\t'}) {
    if (!firstLine.contains(sep)) continue;
    QList<QByteArray> cols = firstLine.split(sep);
    for (auto& c : cols) c = c.trimmed().replace("\"", "");
    auto has = [&](const char* a, const char* b) { return cols.size() >= 2 && cols[0] == a && cols[1] == b; };
    if (has("source", "target") || has("from", "to") || has("i", "j"))
      return {DropKind::GraphFile, QObject::tr("edge-list table (%1, %2)").arg(QString(cols[0]), QString(cols[1]))};
    return {DropKind::Csv, QObject::tr("delimited table with %1 columns").arg(cols.size())};
  }
  return {DropKind::Unknown, QObject::tr("text without a recognisable table header")};
}

}  // namespace

QString dropKindName(DropKind k) {
  switch (k) {
    case DropKind::ImageFolder: return QObject::tr("image folder");
    case DropKind::Image: return QObject::tr("image");
    case DropKind::PngWithMetadata: return QObject::tr("PNG with Weft metadata");
    case DropKind::Csv: return QObject::tr("CSV table");
    case DropKind::Checkpoint: return QObject::tr("checkpoint");
    case DropKind::GraphFile: return QObject::tr("web graph file");
    case DropKind::Clip: return QObject::tr("video clip");
    case DropKind::Unknown: return QObject::tr("unrecognised file");
  }
  return {};
}

DropClassification classifyDrop(const QString& path) {
  QFileInfo info(path);
  if (!info.exists()) return {DropKind::Unknown, QObject::tr("does not exist")};
  if (info.isDir()) {
    int images = 0;
    QDirIterator it(path, QDir::Files, QDirIterator::Subdirectories);
    for (int seen = 0; it.hasNext() && seen < 10000 && images < 1; ++seen)
      if (isImageFile(it.next())) ++images;
    if (images > 0) return {DropKind::ImageFolder, QObject::tr("folder containing images")};
    return {DropKind::Unknown, QObject::tr("folder without images")};
  }
  if (!info.isReadable()) return {DropKind::Unknown, QObject::tr("cannot be read")};
  const QByteArray h = head(path, 4096);
  if (h.isEmpty()) return {DropKind::Unknown, QObject::tr("empty file")};

  if (h.startsWith("\x89PNG\r\n\x1a\n")) {
    QImageReader reader(path);
    const QStringList keys = reader.textKeys();  // reads the chunks, not the pixels
    if (keys.contains("weft") || keys.contains("parameters"))
      return {DropKind::PngWithMetadata, QObject::tr("PNG with a Weft request")};
    return {DropKind::Image, QObject::tr("PNG image")};
  }
  if (h.startsWith("PK\x03\x04")) {
    if (isWebDatasetTuple(path)) return {DropKind::GraphFile, QObject::tr("web dataset (7-tuple of the paper's format)")};
    return {DropKind::Checkpoint, QObject::tr("PyTorch checkpoint (zip)")};
  }
  if (looksLikeSafetensors(h, info.size())) return {DropKind::Checkpoint, QObject::tr("safetensors file")};
  // ISO media ("ftyp" box: MP4, MOV, M4V), Matroska/WebM (EBML), AVI (RIFF…AVI), and GIFs with several frames.
  if (h.size() >= 12 && h.mid(4, 4) == "ftyp") return {DropKind::Clip, QObject::tr("MP4/QuickTime video")};
  if (h.startsWith("Eß£")) return {DropKind::Clip, QObject::tr("Matroska/WebM video")};
  if (h.startsWith("RIFF") && h.mid(8, 4) == "AVI ") return {DropKind::Clip, QObject::tr("AVI video")};
  if (h.startsWith("GIF8")) {
    QImageReader reader(path);
    if (reader.imageCount() > 1) return {DropKind::Clip, QObject::tr("animated GIF (%1 frames)").arg(reader.imageCount())};
  }
  if (isImageFile(path) && !QImageReader::imageFormat(path).isEmpty())
    return {DropKind::Image, QObject::tr("%1 image").arg(QString(QImageReader::imageFormat(path)))};
  if (!h.contains('\0')) return classifyText(path, h);
  return {DropKind::Unknown, QObject::tr("binary file of an unknown kind")};
}

int DropRouter::route(const QList<QUrl>& urls) {
  int handled = 0;
  for (const QUrl& url : urls) {
    if (!url.isLocalFile()) {
      emit message(tr("%1: only local files can be opened").arg(url.toString()), true);
      continue;
    }
    const QString path = url.toLocalFile();
    const DropClassification c = classifyDrop(path);
    const QString name = QFileInfo(path).fileName();
    if (c.kind == DropKind::Unknown) {
      emit message(tr("%1: not opened (%2)").arg(name, c.reason), true);
      continue;
    }
    auto it = handlers_.find(c.kind);
    if (it == handlers_.end()) {
      emit message(tr("%1: recognised as %2 (%3), but no studio in this build opens it yet")
                       .arg(name, dropKindName(c.kind), c.reason), true);
      continue;
    }
    emit message(tr("%1: %2 (%3)").arg(name, dropKindName(c.kind), c.reason), false);
    it->second(path);
    ++handled;
  }
  return handled;
}

}  // namespace weft::studio
