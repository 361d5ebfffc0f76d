#pragma once
// The Jobs dock: what is queued or running (with progress and the two cancel modes) and the history of finished
// jobs with their parameters (re-run, delete).
#include <QDockWidget>
#include <map>

class QTreeWidget;
class QTreeWidgetItem;
class QPlainTextEdit;
class QPushButton;
class QProgressBar;

namespace weft::studio {

class JobRunner;

class JobsDock : public QDockWidget {
  Q_OBJECT
 public:
  JobsDock(JobRunner* runner, QWidget* parent = nullptr);

  QTreeWidget* queueView() const { return queue_; }
  QTreeWidget* historyView() const { return history_; }

 private:
  void onQueued(quint64 id);
  void onStarted(quint64 id);
  void onProgress(quint64 id, double fraction, const QString& stage);
  void onFinished(quint64 id);
  void onForgotten(quint64 id);
  void showDetails();
  void updateButtons();
  quint64 selectedQueued() const;
  quint64 selectedHistory() const;

  JobRunner* runner_;
  QTreeWidget* queue_;
  QTreeWidget* history_;
  QPlainTextEdit* details_;
  QPushButton *cancelNow_, *cancelAfter_, *rerun_, *delete_;
  std::map<quint64, QTreeWidgetItem*> queueItems_, historyItems_;
  std::map<quint64, QProgressBar*> bars_;
};

}  // namespace weft::studio
