// Adaptive conformal radii (series/adaptive_intervals.h) on synthetic scores, without a model: feedback arrives
// only once a truth is known, the radius follows a wilder series, and the long-run miss share meets its level.
#include <torch/torch.h>  // before Qt: Qt's `slots` macro breaks LibTorch headers

#include <QtTest>

#include <cmath>

#include "common/error.h"
#include "series/adaptive_intervals.h"

using weft::Error;
namespace series = weft::series;
using weft::series::IntervalCalibration;

namespace {

IntervalCalibration calibration(std::size_t horizon, double level, double radius, double rate) {
  IntervalCalibration c;
  c.levels = {level};
  c.horizon = horizon;
  c.cols = 1;
  c.radius.assign(horizon, radius);
  c.windows = 100;
  c.adapt_rate = rate;
  return c;
}

}  // namespace

class TestAdaptiveIntervals : public QObject {
  Q_OBJECT

 private slots:
  void feedbackWaitsForTheTruth() {
    // H = 4: window s at step h is known to forecasts from lookbacks after s + h.
    const double rate = 0.4, level = 0.8;
    series::detail::AdaptiveRadius a(calibration(4, level, 1.0, rate), 100);
    a.add(torch::full({3, 4, 1}, 5.0f));  // windows 100–102 miss at every step
    a.update_to(100);
    QCOMPARE(a.radius()[0][0][0].item<double>(), 1.0);  // nothing known yet
    a.update_to(101);  // only window 100's first step
    const double one = std::exp(rate / 4 * (1 - (1 - level)));
    QVERIFY(std::abs(a.radius()[0][2][0].item<double>() - one) < 1e-5);
    a.update_to(103);  // rows 101 and 102: windows 100–102 at steps ≤ row − 100, i.e. 2 + 3 more truths
    const double six = std::exp(6 * rate / 4 * level);
    QVERIFY2(std::abs(a.radius()[0][0][0].item<double>() - six) < 1e-4,
             qPrintable(QString::number(a.radius()[0][0][0].item<double>())));
    // Every step shares the factor; the radii keep the validation shape.
    QCOMPARE(a.radius()[0][3][0].item<double>(), a.radius()[0][0][0].item<double>());
  }

  void followsAWilderSeries() {
    // Calibrated on unit noise; the series then turns three times wilder. Fixed radii would hold 80 % of
    // |N(0, 1)| truths but only 33 % of |N(0, 3)| ones; the adapted radius rises until about 80 % fall inside.
    const double level = 0.8, fixed = 1.2816;  // the 80 % quantile of |N(0, 1)|
    const std::size_t H = 8, blocks = 200;
    series::detail::AdaptiveRadius a(calibration(H, level, fixed, 0.05), 0);
    torch::manual_seed(7);
    double inside = 0, total = 0, inside_late = 0, total_late = 0;
    for (std::size_t b = 0; b < blocks; ++b) {
      a.update_to(b * series::detail::kAdaptBlock);
      const torch::Tensor scores = torch::randn({int64_t(series::detail::kAdaptBlock), int64_t(H), 1}).abs() * 3;
      const double in = (scores <= a.radius()[0].unsqueeze(0)).sum().item<double>();
      inside += in;
      total += double(scores.numel());
      if (b >= blocks / 2) inside_late += in, total_late += double(scores.numel());
      a.add(scores);
    }
    const QString msg = QString("overall %1, second half %2, radius %3")
                            .arg(inside / total).arg(inside_late / total_late).arg(a.radius()[0][0][0].item<double>());
    qInfo("%s", qPrintable(msg));
    QVERIFY2(std::abs(inside / total - level) < 0.03, qPrintable(msg));
    QVERIFY2(std::abs(inside_late / total_late - level) < 0.03, qPrintable(msg));
    QVERIFY2(std::abs(a.radius()[0][0][0].item<double>() / (3 * fixed) - 1) < 0.2, qPrintable(msg));
  }

  void refusesBadUse() {
    QVERIFY_THROWS_EXCEPTION(Error, series::detail::AdaptiveRadius(calibration(4, 0.8, 1.0, 0.0), 0));
    series::detail::AdaptiveRadius a(calibration(4, 0.8, 1.0, 0.1), 0);
    a.add(torch::ones({200, 4, 1}));  // feedback for 200 windows at once: more than the ring holds
    QVERIFY_THROWS_EXCEPTION(Error, a.update_to(200));
    auto j = calibration(4, 0.8, 1.0, 0.1).to_json();
    j["adapt_rate"] = 3.0;
    QVERIFY_THROWS_EXCEPTION(Error, IntervalCalibration::from_json(j));
    QCOMPARE(IntervalCalibration::from_json(calibration(4, 0.8, 1.0, 0.1).to_json()).adapt_rate, 0.1);
  }
};

QTEST_APPLESS_MAIN(TestAdaptiveIntervals)
#include "test_adaptive_intervals.moc"
