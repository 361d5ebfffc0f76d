#include "shared/JobsDock.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "shared/JobRunner.h"

namespace weft::studio {

namespace {
constexpr int IdRole = Qt::UserRole + 1;

QString prettyJson(const QString& text) {
  QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8());
  return doc.isNull() ? text : QString::fromUtf8(doc.toJson(QJsonDocument::Indented));
}
}  // namespace

JobsDock::JobsDock(JobRunner* runner, QWidget* parent) : QDockWidget(tr("Jobs"), parent), runner_(runner) {
  setObjectName("JobsDock");
  auto* body = new QWidget;
  auto* layout = new QVBoxLayout(body);
  layout->setContentsMargins(4, 4, 4, 4);

  queue_ = new QTreeWidget;
  queue_->setHeaderLabels({tr("Job"), tr("Progress"), tr("Stage")});
  queue_->setRootIsDecorated(false);
  queue_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
  queue_->header()->setSectionResizeMode(1, QHeaderView::Fixed);
  queue_->header()->resizeSection(1, 90);
  cancelNow_ = new QPushButton(tr("Cancel now"));
  cancelNow_->setToolTip(tr("Stop the selected job at its next step"));
  cancelAfter_ = new QPushButton(tr("Cancel after current"));
  cancelAfter_->setToolTip(tr("Let the selected job finish the item it is working on, then stop"));
  auto* queueButtons = new QHBoxLayout;
  queueButtons->addWidget(cancelNow_);
  queueButtons->addWidget(cancelAfter_);
  queueButtons->addStretch();

  history_ = new QTreeWidget;
  history_->setHeaderLabels({tr("Finished job"), tr("Status"), tr("Time"), tr("Result")});
  history_->setRootIsDecorated(false);
  history_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
  history_->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
  history_->header()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
  history_->header()->setStretchLastSection(false);
  history_->header()->setSectionResizeMode(3, QHeaderView::Stretch);
  rerun_ = new QPushButton(tr("Re-run"));
  delete_ = new QPushButton(tr("Delete"));
  auto* historyButtons = new QHBoxLayout;
  historyButtons->addWidget(rerun_);
  historyButtons->addWidget(delete_);
  historyButtons->addStretch();

  details_ = new QPlainTextEdit;
  details_->setReadOnly(true);
  details_->setPlaceholderText(tr("Select a job to see its parameters"));

  auto* top = new QWidget;
  auto* topLayout = new QVBoxLayout(top);
  topLayout->setContentsMargins(0, 0, 0, 0);
  topLayout->addWidget(new QLabel(tr("Queue")));
  topLayout->addWidget(queue_);
  topLayout->addLayout(queueButtons);
  auto* bottom = new QWidget;
  auto* bottomLayout = new QVBoxLayout(bottom);
  bottomLayout->setContentsMargins(0, 0, 0, 0);
  bottomLayout->addWidget(new QLabel(tr("History")));
  bottomLayout->addWidget(history_);
  bottomLayout->addLayout(historyButtons);
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(top);
  split->addWidget(bottom);
  split->addWidget(details_);
  layout->addWidget(split);
  setWidget(body);
  setMinimumWidth(380);

  connect(runner_, &JobRunner::jobQueued, this, &JobsDock::onQueued);
  connect(runner_, &JobRunner::jobStarted, this, &JobsDock::onStarted);
  connect(runner_, &JobRunner::jobProgress, this, &JobsDock::onProgress);
  connect(runner_, &JobRunner::jobFinished, this, &JobsDock::onFinished);
  connect(runner_, &JobRunner::jobForgotten, this, &JobsDock::onForgotten);
  connect(queue_, &QTreeWidget::itemSelectionChanged, this, [this] {
    if (!queue_->selectedItems().isEmpty()) history_->clearSelection();
    showDetails();
    updateButtons();
  });
  connect(history_, &QTreeWidget::itemSelectionChanged, this, [this] {
    if (!history_->selectedItems().isEmpty()) queue_->clearSelection();
    showDetails();
    updateButtons();
  });
  connect(cancelNow_, &QPushButton::clicked, this, [this] {
    if (quint64 id = selectedQueued()) runner_->cancelNow(id);
  });
  connect(cancelAfter_, &QPushButton::clicked, this, [this] {
    if (quint64 id = selectedQueued()) runner_->cancelAfterCurrent(id);
  });
  connect(rerun_, &QPushButton::clicked, this, [this] {
    if (quint64 id = selectedHistory()) runner_->rerun(id);
  });
  connect(delete_, &QPushButton::clicked, this, [this] {
    if (quint64 id = selectedHistory()) runner_->forget(id);
  });
  updateButtons();
}

quint64 JobsDock::selectedQueued() const {
  auto items = queue_->selectedItems();
  if (!items.isEmpty()) return items.front()->data(0, IdRole).toULongLong();
  // With nothing selected the cancel buttons act on the running job: the common case needs no selection.
  return runner_->runningId();
}

quint64 JobsDock::selectedHistory() const {
  auto items = history_->selectedItems();
  return items.isEmpty() ? 0 : items.front()->data(0, IdRole).toULongLong();
}

void JobsDock::updateButtons() {
  const bool active = !queueItems_.empty();
  cancelNow_->setEnabled(active);
  cancelAfter_->setEnabled(active);
  const bool picked = selectedHistory() != 0;
  rerun_->setEnabled(picked);
  delete_->setEnabled(picked);
}

void JobsDock::onQueued(quint64 id) {
  JobRecord r = runner_->record(id);
  auto* item = new QTreeWidgetItem(queue_, {r.spec.title, QString(), tr("queued")});
  item->setData(0, IdRole, id);
  item->setToolTip(0, r.spec.title);
  auto* bar = new QProgressBar;
  bar->setRange(0, 1000);
  bar->setValue(0);
  bar->setTextVisible(true);
  bar->setFormat("%p%");
  queue_->setItemWidget(item, 1, bar);
  queueItems_[id] = item;
  bars_[id] = bar;
  updateButtons();
}

void JobsDock::onStarted(quint64 id) {
  if (auto it = queueItems_.find(id); it != queueItems_.end()) it->second->setText(2, tr("starting"));
}

void JobsDock::onProgress(quint64 id, double fraction, const QString& stage) {
  if (auto it = bars_.find(id); it != bars_.end()) it->second->setValue(int(qBound(0.0, fraction, 1.0) * 1000));
  if (auto it = queueItems_.find(id); it != queueItems_.end()) it->second->setText(2, stage);
}

void JobsDock::onFinished(quint64 id) {
  if (auto it = queueItems_.find(id); it != queueItems_.end()) {
    delete it->second;  // also deletes the item widget
    queueItems_.erase(it);
    bars_.erase(id);
  }
  JobRecord r = runner_->record(id);
  if (!r.id) return;
  const QString result = r.status == JobStatus::Done ? r.output.summary : r.message;
  auto* item = new QTreeWidgetItem({r.spec.title, statusText(r.status), QString::number(r.seconds, 'f', 2) + " s", result});
  item->setData(0, IdRole, id);
  item->setToolTip(3, result);
  if (r.status == JobStatus::Failed) item->setForeground(1, QColor(180, 30, 30));
  history_->insertTopLevelItem(0, item);  // newest first
  historyItems_[id] = item;
  updateButtons();
}

void JobsDock::onForgotten(quint64 id) {
  if (auto it = historyItems_.find(id); it != historyItems_.end()) {
    delete it->second;
    historyItems_.erase(it);
  }
  showDetails();
  updateButtons();
}

void JobsDock::showDetails() {
  quint64 id = 0;
  if (!history_->selectedItems().isEmpty()) id = selectedHistory();
  else if (!queue_->selectedItems().isEmpty()) id = queue_->selectedItems().front()->data(0, IdRole).toULongLong();
  JobRecord r = runner_->record(id);
  if (!r.id) {
    details_->clear();
    return;
  }
  const QLocale locale;
  QString text = tr("%1 — %2\nQueued %3").arg(r.spec.title, statusText(r.status),
                                               locale.toString(r.queuedAt, QLocale::ShortFormat));
  if (r.finishedAt.isValid())
    text += tr(", finished %1 (%2 s)").arg(locale.toString(r.finishedAt, QLocale::ShortFormat)).arg(r.seconds, 0, 'f', 2);
  if (!r.message.isEmpty()) text += "\n" + r.message;
  text += tr("\n\nParameters:\n") + prettyJson(r.spec.requestJson);
  details_->setPlainText(text);
}

}  // namespace weft::studio
