// Forecast training: learns a noisy seasonal series, resumes exactly, cancels after an epoch, saves a model that
// loads again and gives the same test score.
#include <torch/torch.h>  // before Qt: Qt's `slots` macro breaks torch headers

#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <fstream>

#include "common/atomic_file.h"
#include "common/rng.h"
#include "series/model_file.h"
#include "series/trainer.h"
#include "synthetic_series.h"

using namespace weft;
using namespace weft::series;
using weft::test::seasonal_csv;

namespace {

struct StopAfterEpochs : ProgressSink {
  CancelToken* token;
  int epochs;
  int seen = 0;
  StopAfterEpochs(CancelToken* t, int n) : token(t), epochs(n) {}
  void progress(double, std::string_view) override {}
  void log(std::string_view line) override {
    if (line.rfind("epoch", 0) == 0 && ++seen == epochs) token->request(CancelToken::Mode::AfterCurrent);
  }
};

}  // namespace

class TestSeriesTrain : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string csv_;

  TrainRequest request(const QString& out) const {
    TrainRequest r;
    r.csv = csv_;
    r.model.model = "dlinear";
    r.model.seq_len = 48;
    r.model.pred_len = 24;
    r.epochs = 4;
    r.learning_rate = 5e-3;
    r.seed = 11;
    r.output = out.isEmpty() ? "" : dir_.filePath(out).toStdString();
    return r;
  }

 private slots:
  void initTestCase() {
    csv_ = dir_.filePath("seasonal.csv").toStdString();
    write_file_atomic(csv_, seasonal_csv(1344, 0.1, 5));
  }

  void learnsTheSeries() {
    NullSink sink;
    CancelToken cancel;
    TrainResult r = train_forecaster(request("a"), sink, cancel);
    QCOMPARE(r.epochs_run, 4);
    QCOMPARE(int(r.log.rows().size()), 4);
    QVERIFY(r.log.rows().back().train_loss < r.log.rows().front().train_loss);
    // A daily cycle with noise 0.1 (variance 0.01 before scaling) is far better predicted than by chance:
    // normalised MSE well below 1 (the series' own variance).
    QVERIFY2(r.test.mse < 0.2, qPrintable(QString("test MSE %1").arg(r.test.mse)));
    QCOMPARE(r.log.rows()[1].lr, 2.5e-3);  // halved after the first epoch
    // Conformal intervals from validation residuals hold their level on the test split (within 5 points).
    QCOMPARE(r.test_coverage.size(), size_t(2));
    QVERIFY2(std::abs(r.test_coverage[0] - 0.80) < 0.05, qPrintable(QString("80 %: %1").arg(r.test_coverage[0])));
    QVERIFY2(std::abs(r.test_coverage[1] - 0.95) < 0.05, qPrintable(QString("95 %: %1").arg(r.test_coverage[1])));
    QVERIFY(r.intervals.at(1, 0, 0) > r.intervals.at(0, 0, 0));  // the 95 % interval is wider
    QVERIFY(QFile::exists(QString::fromStdString(r.model_path)));
    QVERIFY(QFile::exists(dir_.filePath("a/loss.csv")));
    // The saved best model scores the same when loaded back.
    LoadedForecastModel loaded = load_forecast_model(r.model_path);
    QCOMPARE(loaded.info.columns, (std::vector<std::string>{"load", "OT"}));
    QCOMPARE(loaded.info.step_seconds, std::int64_t(3600));
    QCOMPARE(IntervalCalibration::from_json(loaded.info.intervals).radius, r.intervals.radius);
    auto x = torch::randn({3, 48, 2}, cpu_generator(1));
    QVERIFY(torch::equal(loaded.model->forward(x, {}), r.model->forward(x, {})));
    QCOMPARE(r.to_json()["weft"]["request"]["seed"].get<std::uint64_t>(), std::uint64_t(11));
  }

  // Few overlapping validation windows for a long horizon get a warning (Exchange, H = 720: 41 windows, coverage
  // measured 57–82 % for a nominal 80 %); the usual splits do not (Exchange H = 96: 665, ETTh1 H = 720: 2,161).
  void shortCalibrationIsFlagged() {
    IntervalCalibration c;
    c.horizon = 720;
    c.windows = 41;
    const std::string caveat = calibration_caveat(c);
    QVERIFY(caveat.find("only 41 validation windows for a horizon of 720 steps") != std::string::npos);
    c.windows = 1439;
    QVERIFY(!calibration_caveat(c).empty());
    c.windows = 2161;
    QVERIFY(calibration_caveat(c).empty());
    c.horizon = 96;
    c.windows = 665;
    QVERIFY(calibration_caveat(c).empty());
  }

  void resumeGivesTheSameModel() {
    NullSink sink;
    CancelToken none;
    TrainResult straight = train_forecaster(request("straight"), sink, none);

    CancelToken stop;
    StopAfterEpochs stopper(&stop, 2);
    TrainResult first = train_forecaster(request("resumed"), stopper, stop);
    QCOMPARE(first.epochs_run, 2);  // "cancel after current" finished epoch 2 and stopped
    TrainRequest again = request("resumed");
    again.resume = true;
    TrainResult resumed = train_forecaster(again, sink, none);
    QCOMPARE(resumed.epochs_run, 4);
    QCOMPARE(int(resumed.log.rows().size()), 4);
    QCOMPARE(resumed.test.mse, straight.test.mse);
    QCOMPARE(resumed.log.rows().back().train_loss, straight.log.rows().back().train_loss);
  }

  void clearErrors() {
    NullSink sink;
    CancelToken cancel;
    TrainRequest r = request("");
    r.model.seq_len = 700;
    r.model.pred_len = 400;
    try {
      train_forecaster(r, sink, cancel);
      QFAIL("expected an error");
    } catch (const Error& e) {
      QVERIFY2(std::string(e.what()).find("700") != std::string::npos, e.what());
    }
    TrainRequest missing = request("");
    missing.csv = dir_.filePath("nope.csv").toStdString();
    QVERIFY_THROWS_EXCEPTION(Error, train_forecaster(missing, sink, cancel));
    TrainRequest resume_without_output = request("");
    resume_without_output.resume = true;
    QVERIFY_THROWS_EXCEPTION(Error, resume_without_output.validate());
    QVERIFY_THROWS_EXCEPTION(Error, load_forecast_model(csv_));
  }
};

QTEST_APPLESS_MAIN(TestSeriesTrain)
#include "test_series_train.moc"
