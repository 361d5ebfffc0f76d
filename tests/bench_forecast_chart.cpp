// Benchmark: redraw time of 100 k points in QtCharts, raw vs decimated per pixel column (ForecastChart).
// Prints a table of medians over several redraws and, last, the headline ratio.
#include <QApplication>
#include <QChartView>
#include <QElapsedTimer>
#include <QLineSeries>
#include <QPixmap>
#include <QValueAxis>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "series/ForecastChart.h"

namespace {
double medianRedrawMs(QWidget& view, int runs) {
  std::vector<double> ms;
  QPixmap target(view.size());
  for (int r = 0; r < runs; ++r) {
    QElapsedTimer t;
    t.start();
    view.render(&target);  // a full repaint of the chart, as after a zoom or resize
    ms.push_back(t.nsecsElapsed() / 1e6);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}
}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  const int n = 100000, runs = 7;
  std::vector<double> x(n), y(n);
  for (int i = 0; i < n; ++i) x[i] = i, y[i] = std::sin(i * 0.002) + 0.1 * std::sin(i * 0.7);

  QChartView raw;
  raw.resize(1000, 500);
  auto* series = new QLineSeries;
  QList<QPointF> points;
  for (int i = 0; i < n; ++i) points.append(QPointF(x[i], y[i]));
  series->replace(points);
  raw.chart()->addSeries(series);
  raw.chart()->createDefaultAxes();
  raw.show();

  weft::studio::ForecastChart decimated;
  decimated.resize(1000, 500);
  decimated.setHistory("series", x, y);
  decimated.show();
  QApplication::processEvents();
  QElapsedTimer settle;
  settle.start();
  while (settle.elapsed() < 100) QApplication::processEvents();  // let the deferred decimation run

  const double rawMs = medianRedrawMs(raw, runs), decMs = medianRedrawMs(decimated, runs);
  std::printf("%-28s %10s %12s\n", "plot of 100000 points", "points", "redraw ms");
  std::printf("%-28s %10d %12.1f\n", "raw QLineSeries", n, rawMs);
  std::printf("%-28s %10d %12.1f\n", "ForecastChart (decimated)", decimated.plottedPoints(), decMs);
  std::printf("decimated redraw is %.1fx faster than raw (median of %d, 1000x500 px)\n", rawMs / decMs, runs);
  return 0;
}
