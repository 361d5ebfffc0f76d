#pragma once
// A time-series plot for the Forecast studio: history, backtest and forecast lines with prediction-interval
// bands; wheel zoom, rubber-band zoom, shift-drag pan, double-click reset; a crosshair read-out; long series
// decimated per pixel column after every zoom or resize so redraws stay fast.
#include <QChartView>
#include <QColor>
#include <QString>
#include <vector>

class QAreaSeries;
class QLineSeries;
class QGraphicsLineItem;
class QGraphicsSimpleTextItem;
class QGraphicsRectItem;
class QAbstractAxis;
class QValueAxis;
class QDateTimeAxis;
class QTimer;

namespace weft::studio {

class ForecastChart : public QChartView {
  Q_OBJECT
 public:
  explicit ForecastChart(QWidget* parent = nullptr);

  // x values are milliseconds since the epoch when `dates` is true, else row numbers. Clears the plot.
  void setTimeAxis(bool dates);
  void setHistory(const QString& name, std::vector<double> x, std::vector<double> y);
  void setBacktest(const QString& name, std::vector<double> x, std::vector<double> y);
  void setForecast(const QString& name, std::vector<double> x, std::vector<double> y);
  // Up to four bands (e.g. 95 % drawn under 80 %, for the backtest and for the forecast), widest first. Without a
  // colour a band takes the forecast's red; the first band of a colour is drawn lighter than the second.
  // `inLegend` false keeps a band out of the legend (e.g. the backtest's, which repeat the forecast's levels); the
  // crosshair read-out still names it.
  void addBand(const QString& name, std::vector<double> x, std::vector<double> lower, std::vector<double> upper,
               QColor color = QColor(), bool inLegend = true);
  void clearData();

  void zoomToX(double x0, double x1);
  void resetZoom();
  std::pair<double, double> visibleX() const { return {viewX0_, viewX1_}; }
  QString readoutAt(double x) const;   // what the crosshair shows at x
  int plottedPoints() const;           // points handed to QtCharts now (all series)

  // Saves the plot as shown: a path ending in .svg as vector graphics (when built with Qt Svg), anything else as
  // PNG. Written atomically (QSaveFile); false with a sentence in `error` when it cannot be written.
  bool saveImage(const QString& path, QString* error = nullptr);
  static bool svgAvailable();

  // The data as given (not decimated): what a test or an export reads back.
  const std::vector<double>& historyY() const { return history_.y; }
  const std::vector<double>& backtestY() const { return backtest_.y; }
  const std::vector<double>& forecastY() const { return forecast_.y; }
  const std::vector<double>& forecastX() const { return forecast_.x; }
  int bandCount() const { return int(bands_.size()); }
  std::size_t bandSize(int i) const { return bands_.at(std::size_t(i)).x.size(); }
  QString bandName(int i) const { return bands_.at(std::size_t(i)).name; }

 protected:
  void resizeEvent(QResizeEvent*) override;
  void wheelEvent(QWheelEvent*) override;
  void mousePressEvent(QMouseEvent*) override;
  void mouseMoveEvent(QMouseEvent*) override;
  void mouseReleaseEvent(QMouseEvent*) override;
  void mouseDoubleClickEvent(QMouseEvent*) override;
  void leaveEvent(QEvent*) override;

 private:
  struct Line {
    QString name;
    std::vector<double> x, y;
    QLineSeries* series = nullptr;
  };
  struct Band {
    QString name;
    std::vector<double> x, lower, upper;
    QLineSeries *lowerSeries = nullptr, *upperSeries = nullptr;
    QAreaSeries* area = nullptr;
  };
  void setLine(Line& line, const QString& name, std::vector<double> x, std::vector<double> y, const QColor& color);
  void redecimate();           // refill every series for the visible range and the current width
  void scheduleRedecimate();
  void fitY();
  void dataRange(double* x0, double* x1) const;
  QString formatX(double x) const;
  void updateTimeLabels();     // label format and tick count for the visible span and the plot's width

  bool dates_ = false;
  double viewX0_ = 0, viewX1_ = 1;
  Line history_, backtest_, forecast_;
  std::vector<Band> bands_;
  QAbstractAxis* xAxis_ = nullptr;
  QValueAxis* yAxis_ = nullptr;
  QGraphicsLineItem* crosshair_ = nullptr;
  QGraphicsRectItem* readoutBox_ = nullptr;
  QGraphicsSimpleTextItem* readout_ = nullptr;  // a child of readoutBox_
  QTimer* redecimateTimer_ = nullptr;
  bool panning_ = false;
  QPointF panStart_;
  double panX0_ = 0, panX1_ = 0;
};

}  // namespace weft::studio
