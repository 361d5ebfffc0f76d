#pragma once
// Classifies what the user dropped (by content, not only by extension) and hands it to the panel that owns
// that kind. Panels register a handler per kind; kinds without a handler get a clear message.
#include <QObject>
#include <QString>
#include <QStringList>
#include <QUrl>
#include <functional>
#include <map>

namespace weft::studio {

enum class DropKind {
  ImageFolder,      // a folder of images (sub-folders = classes)
  Image,            // one image without Weft metadata
  PngWithMetadata,  // a PNG carrying a Weft request (or A1111-style "parameters")
  Csv,              // delimited text table (time series)
  Checkpoint,       // .pth/.pt (torch.save zip) or .safetensors
  GraphFile,        // web graph: JSON {nodes, edges}, edge-list CSV, or the paper's dataset tuple (.pt)
  Clip,             // a video (MP4/MOV/MKV/WebM/AVI container) or an animated GIF
  Unknown
};

QString dropKindName(DropKind);

struct DropClassification {
  DropKind kind = DropKind::Unknown;
  QString reason;  // why it was classified so (shown in the log)
};

DropClassification classifyDrop(const QString& path);

class DropRouter : public QObject {
  Q_OBJECT
 public:
  using Handler = std::function<void(const QString& path)>;
  explicit DropRouter(QObject* parent = nullptr) : QObject(parent) {}

  void setHandler(DropKind kind, Handler handler) { handlers_[kind] = std::move(handler); }
  bool handles(DropKind kind) const { return handlers_.count(kind) > 0; }
  // Classifies each local file and calls its handler; returns how many were handled.
  int route(const QList<QUrl>& urls);

 signals:
  void message(const QString& text, bool problem);

 private:
  std::map<DropKind, Handler> handlers_;
};

}  // namespace weft::studio
