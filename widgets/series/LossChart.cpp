#include "series/LossChart.h"

#include <QLineSeries>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

namespace weft::studio {

LossChart::LossChart(QWidget* parent) : QChartView(parent) {
  setRenderHint(QPainter::Antialiasing);
  chart()->setMargins(QMargins(2, 2, 2, 2));
  chart()->legend()->setAlignment(Qt::AlignTop);
  train_ = new QLineSeries;
  train_->setName(tr("train loss (by epoch)"));
  train_->setPen(QPen(QColor(31, 119, 180), 1.5));
  val_ = new QLineSeries;
  val_->setName(tr("validation MSE"));
  val_->setPen(QPen(QColor(255, 127, 14), 2));
  val_->setPointsVisible(true);  // one point per epoch: markers show where the epochs ended
  chart()->addSeries(train_);
  chart()->addSeries(val_);
  x_ = new QValueAxis;
  x_->setLabelFormat("%.0f");  // epochs
  x_->setTickCount(2);
  y_ = new QValueAxis;
  y_->setLabelFormat("%.3g");
  chart()->addAxis(x_, Qt::AlignBottom);
  chart()->addAxis(y_, Qt::AlignLeft);
  for (QLineSeries* s : {train_, val_}) s->attachAxis(x_), s->attachAxis(y_);
  clear();
}

void LossChart::clear() {
  train_->clear();
  val_->clear();
  empty_ = true;
  maxX_ = 1;
  minY_ = 0, maxY_ = 1;
  x_->setRange(0, 1);
  x_->setTickCount(2);
  y_->setRange(0, 1);
}

void LossChart::addPoint(const QString& series, double epoch, double value) {
  QLineSeries* s = series == "train" ? train_ : series == "val" ? val_ : nullptr;
  if (!s || !std::isfinite(epoch) || !std::isfinite(value)) return;
  s->append(epoch, value);
  maxX_ = std::max(maxX_, epoch);
  if (empty_) minY_ = maxY_ = value, empty_ = false;
  minY_ = std::min(minY_, value), maxY_ = std::max(maxY_, value);
  const int epochs = int(std::max(1.0, std::ceil(maxX_)));
  x_->setRange(0, epochs);
  x_->setTickCount(std::min(epochs, 10) + 1);
  const double pad = (maxY_ - minY_) * 0.08 + (maxY_ == minY_ ? 0.05 * std::abs(maxY_) + 1e-3 : 0.0);
  y_->setRange(std::max(0.0, minY_ - pad), maxY_ + pad);  // losses are never negative
  y_->applyNiceNumbers();
}

int LossChart::pointCount(const QString& series) const {
  return series == "train" ? train_->count() : series == "val" ? val_->count() : 0;
}

}  // namespace weft::studio
