#pragma once
// The Checkpoints tab: what a .pth/.pt/.safetensors file holds (names, dtypes, shapes, bytes), read by the
// restricted reader on the job thread, and conversion of PyTorch checkpoints to safetensors.
#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QStackedWidget;
class QTableWidget;

namespace weft::studio {

class JobRunner;

class CheckpointPanel : public QWidget {
  Q_OBJECT
 public:
  CheckpointPanel(JobRunner* runner, QWidget* parent = nullptr);

  void open(const QString& path);   // runs the inspect job; the table fills when it finishes
  QString currentPath() const { return path_; }
  QTableWidget* table() const { return table_; }

 signals:
  void problem(const QString& text);

 private:
  void chooseFile();
  void convertCurrent();
  void onFinished(quint64 id);
  void applyFilter(const QString& text);

  JobRunner* runner_;
  QString path_;
  quint64 pending_ = 0;
  QStackedWidget* stack_;
  QLabel* summary_;
  QLineEdit* filter_;
  QTableWidget* table_;
  QPushButton* convert_;
};

}  // namespace weft::studio
