#include "series/LossChart.h"

#include <QLineSeries>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

namespace weft::studio {

LossChart::LossChart(QWidget* parent) : QChartView(parent) {
  build({{"train", tr("train loss (by epoch)"), QColor(31, 119, 180), false},
         {"val", tr("validation MSE"), QColor(255, 127, 14), true}},
        {});
}

LossChart::LossChart(const std::vector<Curve>& curves, const QString& title, QWidget* parent) : QChartView(parent) {
  build(curves, title);
}

void LossChart::build(const std::vector<Curve>& curves, const QString& title) {
  setRenderHint(QPainter::Antialiasing);
  chart()->setMargins(QMargins(2, 2, 2, 2));
  chart()->legend()->setAlignment(Qt::AlignTop);
  if (!title.isEmpty()) {
    chart()->setTitle(title);
    QFont f = chart()->titleFont();
    f.setBold(true);
    chart()->setTitleFont(f);
  }
  x_ = new QValueAxis;
  x_->setLabelFormat("%.0f");  // epochs
  x_->setTickCount(2);
  y_ = new QValueAxis;
  y_->setLabelFormat("%.3g");
  chart()->addAxis(x_, Qt::AlignBottom);
  chart()->addAxis(y_, Qt::AlignLeft);
  for (const Curve& c : curves) {
    auto* s = new QLineSeries;
    s->setName(c.label);
    s->setPen(QPen(c.color, c.markers ? 2 : 1.5));
    s->setPointsVisible(c.markers);
    chart()->addSeries(s);
    s->attachAxis(x_);
    s->attachAxis(y_);
    curves_.emplace_back(c.key, s);
  }
  clear();
}

QLineSeries* LossChart::find(const QString& series) const {
  for (const auto& [key, s] : curves_)
    if (key == series) return s;
  return nullptr;
}

void LossChart::clear() {
  for (auto& c : curves_) c.second->clear();
  empty_ = true;
  maxX_ = 1;
  minY_ = 0, maxY_ = 1;
  x_->setRange(0, 1);
  x_->setTickCount(2);
  y_->setRange(0, 1);
}

void LossChart::addPoint(const QString& series, double epoch, double value) {
  QLineSeries* s = find(series);
  if (!s || !std::isfinite(epoch) || !std::isfinite(value)) return;
  s->append(epoch, value);
  maxX_ = std::max(maxX_, epoch);
  if (empty_) minY_ = maxY_ = value, empty_ = false;
  minY_ = std::min(minY_, value), maxY_ = std::max(maxY_, value);
  const int epochs = int(std::max(1.0, std::ceil(maxX_ - 1e-9)));
  x_->setRange(0, epochs);
  x_->setTickCount(std::min(epochs, 10) + 1);
  const double pad = (maxY_ - minY_) * 0.08 + (maxY_ == minY_ ? 0.05 * std::abs(maxY_) + 1e-3 : 0.0);
  y_->setRange(std::max(0.0, minY_ - pad), maxY_ + pad);  // losses are never negative
  y_->applyNiceNumbers();
}

int LossChart::pointCount(const QString& series) const {
  const QLineSeries* s = find(series);
  return s ? int(s->count()) : 0;
}

}  // namespace weft::studio
