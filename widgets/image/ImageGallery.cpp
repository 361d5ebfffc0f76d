#include "image/ImageGallery.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QPainter>
#include <QPushButton>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace weft::studio {

namespace {
constexpr int kThumb = 96;
constexpr int kKeyRole = Qt::UserRole + 1;

// The thumbnail; a favourite gets a gold star in its corner.
QIcon thumbnail(const QImage& image, bool favourite) {
  if (image.isNull()) return {};
  const bool enlarge = image.width() < kThumb && image.height() < kThumb;
  QPixmap pm = QPixmap::fromImage(image.scaled(kThumb, kThumb, Qt::KeepAspectRatio,
                                               enlarge ? Qt::FastTransformation : Qt::SmoothTransformation));
  if (favourite) {
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    QPolygonF star;
    for (int i = 0; i < 10; ++i) {
      const double r = i % 2 ? 6.0 : 14.0, a = -M_PI / 2 + i * M_PI / 5;
      star << QPointF(18 + r * std::cos(a), 18 + r * std::sin(a));
    }
    p.setPen(QPen(QColor(90, 60, 0), 1.5));
    p.setBrush(QColor(255, 200, 40));
    p.drawPolygon(star);
  }
  return QIcon(pm);
}
}  // namespace

ImageGallery::ImageGallery(QWidget* parent) : QWidget(parent) {
  list_ = new QListWidget;
  list_->setViewMode(QListView::IconMode);
  list_->setIconSize(QSize(kThumb, kThumb));
  list_->setGridSize(QSize(kThumb + 52, kThumb + 40));
  list_->setResizeMode(QListView::Adjust);
  list_->setMovement(QListView::Static);
  list_->setWrapping(true);
  list_->setUniformItemSizes(true);
  list_->setWordWrap(true);
  list_->setSelectionMode(QAbstractItemView::SingleSelection);
  list_->setContextMenuPolicy(Qt::CustomContextMenu);
  list_->setMinimumHeight(kThumb + 50);

  rerun_ = new QPushButton(tr("Re-run"));
  rerun_->setToolTip(tr("Run the picture's job again with the same request (same seed → same pixels)"));
  favourite_ = new QPushButton(tr("★ Favourite"));
  favourite_->setCheckable(true);
  favourite_->setToolTip(tr("Favourites stay at the front of the history"));
  edit_ = new QPushButton(tr("Edit with mask"));
  edit_->setToolTip(tr("Put the picture on the canvas and paint the region to repaint"));
  save_ = new QPushButton(tr("Save PNG…"));
  save_->setToolTip(tr("A PNG that carries its request: drop it back on the window to restore every setting"));
  delete_ = new QPushButton(tr("Delete"));

  auto* buttons = new QHBoxLayout;
  auto* title = new QLabel(tr("<b>Pictures</b>"));
  buttons->addWidget(title);
  buttons->addStretch(1);
  for (QPushButton* b : {rerun_, favourite_, edit_, save_, delete_}) buttons->addWidget(b);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(buttons);
  layout->addWidget(list_, 1);

  connect(list_, &QListWidget::currentItemChanged, this, [this] {
    updateButtons();
    emit currentChanged(currentKey());
  });
  connect(list_, &QListWidget::itemDoubleClicked, this, [this] { emit editRequested(currentKey()); });
  connect(list_, &QListWidget::customContextMenuRequested, this, &ImageGallery::contextMenu);
  connect(rerun_, &QPushButton::clicked, this, [this] { emit rerunRequested(currentKey()); });
  connect(edit_, &QPushButton::clicked, this, [this] { emit editRequested(currentKey()); });
  connect(save_, &QPushButton::clicked, this, [this] { emit saveRequested(currentKey()); });
  connect(favourite_, &QPushButton::clicked, this, [this](bool on) { setFavourite(currentKey(), on); });
  connect(delete_, &QPushButton::clicked, this, [this] { remove(currentKey()); });
  updateButtons();
}

quint64 ImageGallery::add(GalleryEntry e) {
  e.key = nextKey_++;
  e.order = e.key;
  const quint64 key = e.key;
  entries_.push_back(std::move(e));
  rebuild(key);
  return key;
}

void ImageGallery::remove(quint64 key) {
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const GalleryEntry& e) { return e.key == key; });
  if (it == entries_.end()) return;
  // The neighbour in display order becomes current.
  const QList<quint64> order = keys();
  const int pos = int(order.indexOf(key));
  entries_.erase(it);
  quint64 next = 0;
  if (pos + 1 < order.size()) next = order[pos + 1];
  else if (pos > 0) next = order[pos - 1];
  rebuild(next);
}

void ImageGallery::setFavourite(quint64 key, bool on) {
  for (auto& e : entries_)
    if (e.key == key) {
      e.favourite = on;
      rebuild(key);
      return;
    }
}

const GalleryEntry* ImageGallery::entry(quint64 key) const {
  for (const auto& e : entries_)
    if (e.key == key) return &e;
  return nullptr;
}

QList<quint64> ImageGallery::keys() const {
  std::vector<const GalleryEntry*> sorted;
  for (const auto& e : entries_) sorted.push_back(&e);
  std::stable_sort(sorted.begin(), sorted.end(), [](const GalleryEntry* a, const GalleryEntry* b) {
    if (a->favourite != b->favourite) return a->favourite;
    return a->order > b->order;
  });
  QList<quint64> out;
  for (const auto* e : sorted) out << e->key;
  return out;
}

quint64 ImageGallery::currentKey() const {
  const QListWidgetItem* item = list_->currentItem();
  return item ? item->data(kKeyRole).toULongLong() : 0;
}

void ImageGallery::setCurrent(quint64 key) {
  for (int i = 0; i < list_->count(); ++i)
    if (list_->item(i)->data(kKeyRole).toULongLong() == key) {
      list_->setCurrentRow(i);
      return;
    }
}

void ImageGallery::rebuild(quint64 current) {
  const QSignalBlocker block(list_);
  list_->clear();
  int currentRow = -1;
  for (quint64 key : keys()) {
    const GalleryEntry* e = entry(key);
    auto* item = new QListWidgetItem(thumbnail(e->image, e->favourite), e->title);
    item->setData(kKeyRole, key);
    item->setToolTip((e->favourite ? tr("★ Favourite\n") : QString()) + e->details);
    item->setTextAlignment(Qt::AlignHCenter | Qt::AlignTop);
    list_->addItem(item);
    if (key == current) currentRow = list_->count() - 1;
  }
  if (currentRow >= 0) list_->setCurrentRow(currentRow);
  updateButtons();
  emit currentChanged(currentKey());
}

void ImageGallery::updateButtons() {
  const GalleryEntry* e = entry(currentKey());
  for (QPushButton* b : {rerun_, favourite_, edit_, save_, delete_}) b->setEnabled(e != nullptr);
  const QSignalBlocker block(favourite_);
  favourite_->setChecked(e && e->favourite);
}

void ImageGallery::contextMenu(const QPoint& pos) {
  QListWidgetItem* item = list_->itemAt(pos);
  if (!item) return;
  list_->setCurrentItem(item);
  const quint64 key = currentKey();
  const GalleryEntry* e = entry(key);
  QMenu menu(this);
  menu.addAction(tr("Re-run"), this, [this, key] { emit rerunRequested(key); });
  menu.addAction(e->favourite ? tr("Remove from favourites") : tr("★ Favourite"), this,
                 [this, key, fav = e->favourite] { setFavourite(key, !fav); });
  menu.addAction(tr("Edit with mask"), this, [this, key] { emit editRequested(key); });
  menu.addAction(tr("Save PNG…"), this, [this, key] { emit saveRequested(key); });
  menu.addSeparator();
  menu.addAction(tr("Delete"), this, [this, key] { remove(key); });
  menu.exec(list_->viewport()->mapToGlobal(pos));
}

}  // namespace weft::studio
