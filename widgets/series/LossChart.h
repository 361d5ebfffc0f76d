#pragma once
// Live training curves for the Forecast tab: the running training loss (about 20 points per epoch) and the
// validation MSE after each epoch, both against epochs, filled from the JobRunner's jobMetric signal.
#include <QChartView>

class QLineSeries;
class QValueAxis;

namespace weft::studio {

class LossChart : public QChartView {
  Q_OBJECT
 public:
  explicit LossChart(QWidget* parent = nullptr);

  void clear();
  // `series` is "train" or "val" (the names the trainer sends); other names are ignored.
  void addPoint(const QString& series, double epoch, double value);
  int pointCount(const QString& series) const;

 private:
  QLineSeries* train_;
  QLineSeries* val_;
  QValueAxis* x_;
  QValueAxis* y_;
  double maxX_ = 0, minY_ = 0, maxY_ = 0;
  bool empty_ = true;
};

}  // namespace weft::studio
