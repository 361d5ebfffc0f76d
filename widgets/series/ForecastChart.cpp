#include "series/ForecastChart.h"

#include <QAreaSeries>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QGraphicsLineItem>
#include <QGraphicsRectItem>
#include <QGraphicsSimpleTextItem>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMouseEvent>
#include <QPainter>
#include <QSaveFile>
#include <QTimer>
#include <QValueAxis>
#include <QWheelEvent>
#ifdef WEFT_HAVE_SVG
#include <QSvgGenerator>
#endif
#include <algorithm>
#include <cmath>
#include <limits>

#include "series/Decimate.h"

namespace weft::studio {

namespace {

const QColor kHistory(60, 60, 60), kBacktest(31, 119, 180), kForecast(214, 39, 40);

// Value of the point nearest to x (NaN when x lies outside the data by more than one step).
double nearestValue(const std::vector<double>& xs, const std::vector<double>& ys, double x) {
  if (xs.empty()) return std::numeric_limits<double>::quiet_NaN();
  auto it = std::lower_bound(xs.begin(), xs.end(), x);
  size_t i = size_t(it - xs.begin());
  if (i == xs.size()) i = xs.size() - 1;
  if (i > 0 && std::abs(xs[i - 1] - x) < std::abs(xs[i] - x)) --i;
  const double step = xs.size() > 1 ? (xs.back() - xs.front()) / double(xs.size() - 1) : 0.0;
  if (x < xs.front() - step || x > xs.back() + step) return std::numeric_limits<double>::quiet_NaN();
  return ys[i];
}

}  // namespace

ForecastChart::ForecastChart(QWidget* parent) : QChartView(parent) {
  setRenderHint(QPainter::Antialiasing);
  setMouseTracking(true);
  setToolTip(tr("Wheel: zoom · drag: pan · double-click: show everything"));
  chart()->legend()->setAlignment(Qt::AlignBottom);
  chart()->setMargins(QMargins(4, 4, 4, 4));
  redecimateTimer_ = new QTimer(this);
  redecimateTimer_->setSingleShot(true);
  redecimateTimer_->setInterval(15);  // coalesce the events of one wheel turn or drag into one refill
  connect(redecimateTimer_, &QTimer::timeout, this, &ForecastChart::redecimate);
  crosshair_ = new QGraphicsLineItem(chart());
  crosshair_->setPen(QPen(QColor(0, 0, 0, 90), 1, Qt::DashLine));
  crosshair_->setZValue(20);
  crosshair_->hide();
  // The read-out: one line per series on a light box, so it stays legible over the lines and bands.
  readoutBox_ = new QGraphicsRectItem(chart());
  readoutBox_->setZValue(21);
  readoutBox_->setBrush(QColor(255, 255, 255, 225));
  readoutBox_->setPen(QPen(QColor(0, 0, 0, 60)));
  readout_ = new QGraphicsSimpleTextItem(readoutBox_);
  readout_->setBrush(QColor(20, 20, 20));
  readout_->setPos(5, 3);
  readoutBox_->hide();
  setTimeAxis(false);
}

void ForecastChart::setTimeAxis(bool dates) {
  clearData();
  dates_ = dates;
  if (xAxis_) {
    chart()->removeAxis(xAxis_);
    delete xAxis_;
  }
  if (dates) {
    auto* axis = new QDateTimeAxis;
    axis->setFormat("yyyy-MM-dd hh:mm");
    axis->setTickCount(6);
    xAxis_ = axis;
  } else {
    auto* axis = new QValueAxis;
    axis->setLabelFormat("%.0f");
    xAxis_ = axis;
  }
  chart()->addAxis(xAxis_, Qt::AlignBottom);
  if (!yAxis_) {
    yAxis_ = new QValueAxis;
    chart()->addAxis(yAxis_, Qt::AlignLeft);
  }
}

void ForecastChart::clearData() {
  for (Line* line : {&history_, &backtest_, &forecast_}) {
    if (line->series) {
      chart()->removeSeries(line->series);
      delete line->series;
    }
    *line = Line{};
  }
  for (Band& band : bands_) {
    chart()->removeSeries(band.area);
    delete band.area;  // owns nothing else: the bound series are parented to it
  }
  bands_.clear();
}

void ForecastChart::setLine(Line& line, const QString& name, std::vector<double> x, std::vector<double> y,
                            const QColor& color) {
  if (!line.series) {
    line.series = new QLineSeries;
    chart()->addSeries(line.series);
    line.series->attachAxis(xAxis_);
    line.series->attachAxis(yAxis_);
  }
  line.series->setName(name);
  line.series->setPen(QPen(color, 1.5));
  line.name = name;
  line.x = std::move(x);
  line.y = std::move(y);
  line.y.resize(line.x.size(), std::numeric_limits<double>::quiet_NaN());
  resetZoom();
}

void ForecastChart::setHistory(const QString& name, std::vector<double> x, std::vector<double> y) {
  setLine(history_, name, std::move(x), std::move(y), kHistory);
}
void ForecastChart::setBacktest(const QString& name, std::vector<double> x, std::vector<double> y) {
  setLine(backtest_, name, std::move(x), std::move(y), kBacktest);
}
void ForecastChart::setForecast(const QString& name, std::vector<double> x, std::vector<double> y) {
  setLine(forecast_, name, std::move(x), std::move(y), kForecast);
}

void ForecastChart::addBand(const QString& name, std::vector<double> x, std::vector<double> lower,
                            std::vector<double> upper, QColor color, bool inLegend) {
  if (bands_.size() >= 4) return;
  if (!color.isValid()) color = kForecast;
  bool sameColourBefore = false;
  for (const Band& b : bands_) sameColourBefore |= b.area->brush().color().rgb() == color.rgb();
  Band band;
  band.name = name;
  band.x = std::move(x);
  band.lower = std::move(lower);
  band.upper = std::move(upper);
  band.lower.resize(band.x.size(), std::numeric_limits<double>::quiet_NaN());
  band.upper.resize(band.x.size(), std::numeric_limits<double>::quiet_NaN());
  band.area = new QAreaSeries;
  band.upperSeries = new QLineSeries(band.area);
  band.lowerSeries = new QLineSeries(band.area);
  band.area->setUpperSeries(band.upperSeries);
  band.area->setLowerSeries(band.lowerSeries);
  band.area->setName(name);
  band.area->setPen(Qt::NoPen);
  color.setAlpha(sameColourBefore ? 80 : 45);  // the inner band is darker
  band.area->setBrush(color);
  chart()->addSeries(band.area);
  band.area->attachAxis(xAxis_);
  band.area->attachAxis(yAxis_);
  if (!inLegend)
    for (QLegendMarker* marker : chart()->legend()->markers(band.area)) marker->setVisible(false);
  bands_.push_back(std::move(band));
  resetZoom();
}

void ForecastChart::dataRange(double* x0, double* x1) const {
  *x0 = std::numeric_limits<double>::infinity();
  *x1 = -std::numeric_limits<double>::infinity();
  auto take = [&](const std::vector<double>& xs) {
    if (xs.empty()) return;
    *x0 = std::min(*x0, xs.front());
    *x1 = std::max(*x1, xs.back());
  };
  for (const Line* line : {&history_, &backtest_, &forecast_}) take(line->x);
  for (const Band& band : bands_) take(band.x);
  if (!(*x0 <= *x1)) *x0 = 0, *x1 = 1;
  if (*x0 == *x1) *x1 = *x0 + 1;
}

void ForecastChart::resetZoom() {
  double x0, x1;
  dataRange(&x0, &x1);
  zoomToX(x0, x1);
}

void ForecastChart::zoomToX(double x0, double x1) {
  if (!(x1 > x0)) return;
  viewX0_ = x0;
  viewX1_ = x1;
  if (dates_) {
    static_cast<QDateTimeAxis*>(xAxis_)->setRange(QDateTime::fromMSecsSinceEpoch(qint64(x0), Qt::UTC),
                                                   QDateTime::fromMSecsSinceEpoch(qint64(x1), Qt::UTC));
    updateTimeLabels();
  } else
    static_cast<QValueAxis*>(xAxis_)->setRange(x0, x1);
  scheduleRedecimate();
}

void ForecastChart::updateTimeLabels() {
  if (!dates_) return;
  // Labels short enough not to be elided: years over a long span, hours only within a few days.
  auto* axis = static_cast<QDateTimeAxis*>(xAxis_);
  const double days = (viewX1_ - viewX0_) / 86400e3;
  axis->setFormat(days > 4 * 365 ? "yyyy" : days > 90 ? "yyyy-MM" : days > 4 ? "yyyy-MM-dd" : "MM-dd hh:mm");
  const double width = chart()->plotArea().width() > 0 ? chart()->plotArea().width() : double(viewport()->width());
  axis->setTickCount(std::clamp(int(width / 110), 3, 12));
}

void ForecastChart::scheduleRedecimate() { redecimateTimer_->start(); }

void ForecastChart::redecimate() {
  redecimateTimer_->stop();
  const int columns = std::max(50, int(chart()->plotArea().width()));
  auto fill = [&](QLineSeries* series, const std::vector<double>& x, const std::vector<double>& y) {
    if (series) series->replace(decimateMinMax(x.data(), y.data(), x.size(), viewX0_, viewX1_, columns));
  };
  fill(history_.series, history_.x, history_.y);
  fill(backtest_.series, backtest_.x, backtest_.y);
  fill(forecast_.series, forecast_.x, forecast_.y);
  for (Band& band : bands_) {
    fill(band.lowerSeries, band.x, band.lower);
    fill(band.upperSeries, band.x, band.upper);
  }
  fitY();
  updateTimeLabels();  // the plot's width may have changed
}

void ForecastChart::fitY() {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  auto scan = [&](const std::vector<double>& x, const std::vector<double>& y) {
    auto b = std::lower_bound(x.begin(), x.end(), viewX0_) - x.begin();
    auto e = std::upper_bound(x.begin(), x.end(), viewX1_) - x.begin();
    for (auto i = b; i < e; ++i)
      if (std::isfinite(y[i])) lo = std::min(lo, y[i]), hi = std::max(hi, y[i]);
  };
  for (const Line* line : {&history_, &backtest_, &forecast_}) scan(line->x, line->y);
  for (const Band& band : bands_) scan(band.x, band.lower), scan(band.x, band.upper);
  if (!(lo <= hi)) lo = 0, hi = 1;
  const double pad = (hi - lo) * 0.05 + (hi == lo ? 1.0 : 0.0);
  yAxis_->setRange(lo - pad, hi + pad);
  yAxis_->applyNiceNumbers();  // ticks at round values
}

int ForecastChart::plottedPoints() const {
  int n = 0;
  for (const Line* line : {&history_, &backtest_, &forecast_})
    if (line->series) n += line->series->count();
  for (const Band& band : bands_) n += band.lowerSeries->count() + band.upperSeries->count();
  return n;
}

QString ForecastChart::formatX(double x) const {
  return dates_ ? QDateTime::fromMSecsSinceEpoch(qint64(x), Qt::UTC).toString("yyyy-MM-dd hh:mm")
                : QString::number(x, 'f', 0);
}

QString ForecastChart::readoutAt(double x) const {
  QStringList parts{formatX(x)};
  for (const Line* line : {&history_, &backtest_, &forecast_}) {
    const double v = nearestValue(line->x, line->y, x);
    if (std::isfinite(v)) parts << QString("%1 %2").arg(line->name).arg(v, 0, 'g', 5);
  }
  for (const Band& band : bands_) {
    const double lo = nearestValue(band.x, band.lower, x), hi = nearestValue(band.x, band.upper, x);
    if (std::isfinite(lo) && std::isfinite(hi)) parts << QString("%1 [%2, %3]").arg(band.name).arg(lo, 0, 'g', 5).arg(hi, 0, 'g', 5);
  }
  return parts.join("\n");
}

bool ForecastChart::svgAvailable() {
#ifdef WEFT_HAVE_SVG
  return true;
#else
  return false;
#endif
}

bool ForecastChart::saveImage(const QString& path, QString* error) {
  auto fail = [&](const QString& why) {
    if (error) *error = why;
    return false;
  };
  // The crosshair follows the mouse; it is not part of the picture the user asked for.
  crosshair_->hide();
  readoutBox_->hide();
  redecimate();  // a pending refill (after a resize or zoom) would otherwise be missing from the file
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) return fail(tr("Cannot write %1: %2").arg(path, file.errorString()));
  if (path.endsWith(".svg", Qt::CaseInsensitive)) {
#ifdef WEFT_HAVE_SVG
    QSvgGenerator svg;
    svg.setOutputDevice(&file);
    svg.setSize(viewport()->size());
    svg.setViewBox(viewport()->rect());
    svg.setTitle(tr("Forecast"));
    svg.setDescription(tr("Forecast plot exported by Weft Studio"));
    QPainter painter;
    if (!painter.begin(&svg)) {
      file.cancelWriting();
      return fail(tr("Cannot draw the SVG file %1").arg(path));
    }
    render(&painter);  // the scene as vector paths, not a bitmap
    painter.end();
#else
    file.cancelWriting();
    return fail(tr("This build has no SVG support (Qt Svg, Debian package qt6-svg-dev); save as PNG instead"));
#endif
  } else {
    const QImage image = grab().toImage();
    if (image.isNull() || !image.save(&file, "PNG")) {
      file.cancelWriting();
      return fail(tr("Cannot encode the plot as PNG for %1").arg(path));
    }
  }
  if (!file.commit()) return fail(tr("Cannot write %1: %2").arg(path, file.errorString()));
  return true;
}

void ForecastChart::resizeEvent(QResizeEvent* e) {
  QChartView::resizeEvent(e);
  scheduleRedecimate();
}

void ForecastChart::wheelEvent(QWheelEvent* e) {
  const double factor = std::pow(0.85, e->angleDelta().y() / 120.0);  // one notch: 15 % closer
  const QPointF value = chart()->mapToValue(chart()->mapFromScene(mapToScene(e->position().toPoint())));
  const double cx = std::clamp(value.x(), viewX0_, viewX1_);
  double x0 = cx - (cx - viewX0_) * factor, x1 = cx + (viewX1_ - cx) * factor;
  double d0, d1;
  dataRange(&d0, &d1);
  x0 = std::max(x0, d0), x1 = std::min(x1, d1);
  zoomToX(x0, x1);
  e->accept();
}

void ForecastChart::mousePressEvent(QMouseEvent* e) {
  if (e->button() == Qt::LeftButton) {
    panning_ = true;
    panStart_ = e->position();
    panX0_ = viewX0_, panX1_ = viewX1_;
    setCursor(Qt::ClosedHandCursor);
    e->accept();
    return;
  }
  QChartView::mousePressEvent(e);
}

void ForecastChart::mouseMoveEvent(QMouseEvent* e) {
  const QRectF plot = chart()->plotArea();
  if (panning_ && plot.width() > 0) {
    const double dx = (e->position().x() - panStart_.x()) / plot.width() * (panX1_ - panX0_);
    double d0, d1;
    dataRange(&d0, &d1);
    const double shift = std::clamp(-dx, d0 - panX0_, d1 - panX1_);
    zoomToX(panX0_ + shift, panX1_ + shift);
  }
  const QPointF scenePos = chart()->mapFromScene(mapToScene(e->position().toPoint()));
  if (plot.contains(scenePos)) {
    crosshair_->setLine(scenePos.x(), plot.top(), scenePos.x(), plot.bottom());
    readout_->setText(readoutAt(chart()->mapToValue(scenePos).x()));
    const QRectF text = readout_->boundingRect();
    readoutBox_->setRect(0, 0, text.width() + 10, text.height() + 6);
    // Right of the crosshair, or left of it when it would leave the plot.
    double boxX = scenePos.x() + 10;
    if (boxX + text.width() + 10 > plot.right()) boxX = scenePos.x() - 10 - text.width() - 10;
    readoutBox_->setPos(std::max(plot.left(), boxX), plot.top() + 4);
    crosshair_->show();
    readoutBox_->show();
  } else {
    crosshair_->hide();
    readoutBox_->hide();
  }
  QChartView::mouseMoveEvent(e);
}

void ForecastChart::mouseReleaseEvent(QMouseEvent* e) {
  if (panning_ && e->button() == Qt::LeftButton) {
    panning_ = false;
    unsetCursor();
    e->accept();
    return;
  }
  QChartView::mouseReleaseEvent(e);
}

void ForecastChart::mouseDoubleClickEvent(QMouseEvent* e) {
  resetZoom();
  e->accept();
}

void ForecastChart::leaveEvent(QEvent* e) {
  crosshair_->hide();
  readoutBox_->hide();
  QChartView::leaveEvent(e);
}

}  // namespace weft::studio
