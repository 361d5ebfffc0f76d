#pragma once
// The Image tab's history: every generated or edited picture as a thumbnail with its request. Favourites (★)
// sort first, then the newest. Actions on the selected picture: re-run its job, favourite, edit with the mask
// brush, save as PNG, delete. The gallery only keeps and shows entries; the panel runs the actions.
#include <QImage>
#include <QList>
#include <QString>
#include <QWidget>
#include <vector>

class QListWidget;
class QPushButton;

namespace weft::studio {

struct GalleryEntry {
  quint64 key = 0;         // unique within the gallery
  QImage image;
  QString job;             // "image-generate" or "image-edit"
  QString requestJson;     // the job's request: re-running it repeats the job
  QString metadataJson;    // what a saved PNG carries: the result's JSON with this picture's "index"
  int index = 0;           // which picture of the job's result
  QString title;           // "T-shirt · seed 7"
  QString details;         // tooltip: every parameter
  bool favourite = false;
  quint64 order = 0;       // insertion order
};

class ImageGallery : public QWidget {
  Q_OBJECT
 public:
  explicit ImageGallery(QWidget* parent = nullptr);

  quint64 add(GalleryEntry entry);  // returns its key; the new entry becomes the current one
  void remove(quint64 key);
  void setFavourite(quint64 key, bool on);
  const GalleryEntry* entry(quint64 key) const;  // null if unknown
  QList<quint64> keys() const;                   // in display order
  int count() const { return int(entries_.size()); }
  quint64 currentKey() const;
  void setCurrent(quint64 key);
  QListWidget* list() const { return list_; }

 signals:
  void currentChanged(quint64 key);  // 0 when none
  void rerunRequested(quint64 key);
  void editRequested(quint64 key);
  void saveRequested(quint64 key);

 private:
  void rebuild(quint64 current);
  void updateButtons();
  void contextMenu(const QPoint& pos);

  std::vector<GalleryEntry> entries_;
  quint64 nextKey_ = 1;
  QListWidget* list_;
  QPushButton* rerun_;
  QPushButton* favourite_;
  QPushButton* edit_;
  QPushButton* save_;
  QPushButton* delete_;
};

}  // namespace weft::studio
