// The forecast plot: per-pixel-column decimation keeps every spike, zoom re-decimates, the crosshair reads values.
#include <QtTest>
#include <cmath>

#include "series/Decimate.h"
#include "series/ForecastChart.h"

using namespace weft::studio;

class TestForecastChart : public QObject {
  Q_OBJECT
 private slots:
  void decimationKeepsExtremes() {
    const size_t n = 100000;
    std::vector<double> x(n), y(n);
    for (size_t i = 0; i < n; ++i) x[i] = double(i), y[i] = std::sin(i * 0.001);
    y[12345] = 50;     // spikes that a stride-based thinning would miss
    y[77777] = -40;
    y[500] = std::nan("");
    const int columns = 400;
    auto pts = decimateMinMax(x.data(), y.data(), n, 0, double(n - 1), columns);
    QVERIFY(pts.size() <= columns * 4 + 8);
    QVERIFY(pts.size() >= columns);
    double hi = -1e9, lo = 1e9;
    for (const auto& p : pts) hi = std::max(hi, p.y()), lo = std::min(lo, p.y());
    QCOMPARE(hi, 50.0);
    QCOMPARE(lo, -40.0);
    QCOMPARE(pts.front().x(), 0.0);
    QCOMPARE(pts.back().x(), double(n - 1));
    for (int i = 1; i < pts.size(); ++i) QVERIFY(pts[i].x() > pts[i - 1].x());  // x order, no duplicates
    for (const auto& p : pts) QVERIFY(std::isfinite(p.y()));
    // A visible window returns its own points plus one neighbour each side.
    auto window = decimateMinMax(x.data(), y.data(), n, 1000, 1100, columns);
    QCOMPARE(window.size(), 103);
    QCOMPARE(window.front().x(), 999.0);
  }

  void chartDecimatesZoomsAndReads() {
    ForecastChart chart;
    chart.resize(1000, 500);
    chart.setTimeAxis(true);
    const size_t n = 100000;
    const double hour = 3600e3, t0 = 1467331200000.0;  // 2016-07-01 00:00 UTC
    std::vector<double> x(n), y(n);
    for (size_t i = 0; i < n; ++i) x[i] = t0 + i * hour, y[i] = std::cos(i * 0.01);
    y[4242] = 9.5;
    chart.setHistory("OT", x, y);
    std::vector<double> fx{x.back() + hour, x.back() + 2 * hour}, fy{1.0, 2.0}, lo{0.5, 1.0}, hi{1.5, 3.0};
    chart.setForecast("forecast", fx, fy);
    chart.addBand("80 %", fx, lo, hi);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    QTRY_VERIFY(chart.plottedPoints() > 0);
    QTest::qWait(50);
    const int whole = chart.plottedPoints();
    QVERIFY2(whole < 4 * 1000 + 50, qPrintable(QString("%1 points plotted").arg(whole)));
    // Zoom to the spike: far fewer rows are visible, and the spike is still drawn.
    chart.zoomToX(x[4000], x[4500]);
    QTest::qWait(50);
    QTRY_VERIFY(chart.plottedPoints() <= 510);
    QCOMPARE(chart.visibleX().first, x[4000]);
    QVERIFY(chart.readoutAt(x[4242]).contains("OT 9.5"));
    QVERIFY(chart.readoutAt(x[4242]).startsWith("2016-"));
    QVERIFY(chart.readoutAt(fx[1]).contains("forecast 2"));
    QVERIFY(chart.readoutAt(fx[1]).contains("80 % [1, 3]"));
    if (qEnvironmentVariableIsSet("WEFT_SCREENSHOT_DIR"))  // for looking at the plot as a user would
      chart.grab().save(qEnvironmentVariable("WEFT_SCREENSHOT_DIR") + "/forecast_chart_zoomed.png");
    chart.resetZoom();
    QCOMPARE(chart.visibleX().second, fx[1]);
    QVERIFY(!chart.grab().isNull());
  }
};

QTEST_MAIN(TestForecastChart)
#include "test_forecast_chart.moc"
