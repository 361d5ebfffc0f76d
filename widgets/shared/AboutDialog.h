#pragma once
#include <QDialog>

class QLabel;
class QPushButton;

namespace weft::studio {

class JobRunner;

// Versions, devices, threads and the BLAS report; "Measure" runs the matmul probe as a job.
class AboutDialog : public QDialog {
  Q_OBJECT
 public:
  AboutDialog(JobRunner* runner, QWidget* parent = nullptr);

 private:
  JobRunner* runner_;
  QLabel* measured_;
  QPushButton* measure_;
  quint64 pending_ = 0;
};

}  // namespace weft::studio
