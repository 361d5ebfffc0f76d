#pragma once
// Live training curves, filled from the JobRunner's jobMetric signal: running training losses (about 20 points
// per epoch) as lines and validation scores (one per epoch) as lines with markers, all against epochs. The
// default curves are the Forecast tab's ("train", "val"); other trainers name their own (the Image tab's
// tokenizer and transformer curves).
#include <QChartView>
#include <QColor>
#include <QString>
#include <vector>

class QLineSeries;
class QValueAxis;

namespace weft::studio {

class LossChart : public QChartView {
  Q_OBJECT
 public:
  struct Curve {
    QString key;    // the series name the job sends with its metric points
    QString label;  // the legend text
    QColor color;
    bool markers = false;  // validation points: one per epoch, markers show where the epochs ended
  };

  explicit LossChart(QWidget* parent = nullptr);  // "train" and "val"
  LossChart(const std::vector<Curve>& curves, const QString& title, QWidget* parent = nullptr);

  void clear();
  // Points of a series that is not one of the chart's curves are ignored.
  void addPoint(const QString& series, double epoch, double value);
  int pointCount(const QString& series) const;
  bool hasCurve(const QString& series) const { return find(series) != nullptr; }

 private:
  void build(const std::vector<Curve>& curves, const QString& title);
  QLineSeries* find(const QString& series) const;

  std::vector<std::pair<QString, QLineSeries*>> curves_;
  QValueAxis* x_ = nullptr;
  QValueAxis* y_ = nullptr;
  double maxX_ = 0, minY_ = 0, maxY_ = 0;
  bool empty_ = true;
};

}  // namespace weft::studio
