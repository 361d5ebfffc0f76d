// Forecasting with a trained model file: the forecast past the end in real units with ordered bands, the
// backtest on the test split, the CSV export, new data normalised with the stored scaler, column choice, intervals
// that follow a change of volatility, and the protocol bench with its published table and reusable results.
#include <torch/torch.h>  // before Qt: Qt's `slots` macro breaks torch headers

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "series/predict.h"
#include "series/protocol_bench.h"
#include "series/published.h"
#include "series/trainer.h"
#include "synthetic_series.h"

using namespace weft;
using namespace weft::series;
using weft::test::seasonal_csv;

class TestSeriesPredict : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::string csv_, model_;

  TrainRequest request(const std::string& csv, const QString& out) const {
    TrainRequest r;
    r.csv = csv;
    r.model.model = "dlinear";
    r.model.seq_len = 48;
    r.model.pred_len = 24;
    r.epochs = 3;
    r.learning_rate = 5e-3;
    r.seed = 3;
    r.output = out.isEmpty() ? "" : dir_.filePath(out).toStdString();
    return r;
  }

  static std::vector<std::string> lines_of(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  }

 private slots:
  void initTestCase() {
    csv_ = dir_.filePath("seasonal.csv").toStdString();
    write_file_atomic(csv_, seasonal_csv(1344, 0.1, 5));
    NullSink sink;
    CancelToken cancel;
    model_ = train_forecaster(request(csv_, "m"), sink, cancel).model_path;
    QVERIFY(QFile::exists(QString::fromStdString(model_)));
  }

  void forecastsPastTheEndWithBands() {
    NullSink sink;
    CancelToken cancel;
    PredictRequest req;
    req.model = model_;
    req.output = dir_.filePath("forecast.csv").toStdString();
    const PredictResult r = run_predict(req, sink, cancel);
    QCOMPARE(r.columns, (std::vector<std::string>{"load", "OT"}));
    QVERIFY(r.dated);
    QCOMPARE(r.history.rows(), std::size_t(1344));
    QCOMPARE(r.forecast.rows(), std::size_t(24));
    QCOMPARE(r.forecast.time.front(), r.history.time.back() + 3600);  // continues the hourly step
    QCOMPARE(r.forecast.time.back(), r.history.time.back() + 24 * 3600);
    QCOMPARE(r.levels, (std::vector<double>{0.8, 0.95}));
    // Real units: the load column swings ±1 around 0, so the forecast does too (not normalised values).
    double lo = 1e9, hi = -1e9;
    for (std::size_t h = 0; h < 24; ++h) lo = std::min(lo, r.forecast.values[h * 2]), hi = std::max(hi, r.forecast.values[h * 2]);
    QVERIFY2(lo < -0.7 && hi > 0.7, qPrintable(QString("forecast range %1..%2").arg(lo).arg(hi)));
    // Bands are ordered: lower95 < lower80 < forecast < upper80 < upper95.
    for (std::size_t i = 0; i < r.forecast.values.size(); ++i) {
      QVERIFY(r.forecast.lower[1][i] < r.forecast.lower[0][i]);
      QVERIFY(r.forecast.lower[0][i] < r.forecast.values[i]);
      QVERIFY(r.forecast.values[i] < r.forecast.upper[0][i]);
      QVERIFY(r.forecast.upper[0][i] < r.forecast.upper[1][i]);
    }
    // Backtest: consecutive 24-step blocks over the test split, each block's times are the truth's rows.
    QVERIFY(r.backtest.rows() >= 24 && r.backtest.rows() % 24 == 0);
    QCOMPARE(r.backtest.values.size(), r.backtest.rows() * 2);
    QVERIFY(r.backtest_mse < 0.2);
    QCOMPARE(r.backtest_coverage.size(), std::size_t(2));
    QVERIFY2(std::abs(r.backtest_coverage[0] - 0.8) < 0.1, qPrintable(QString::number(r.backtest_coverage[0])));
    QVERIFY(r.backtest_coverage[1] > r.backtest_coverage[0]);
    // The CSV: a header naming each column and its bounds, one row per step, values equal to the result's.
    const auto lines = lines_of(req.output);
    QCOMPARE(lines.size(), std::size_t(25));
    QCOMPARE(lines[0], std::string("date,load,load_lower_80,load_upper_80,load_lower_95,load_upper_95,"
                                   "OT,OT_lower_80,OT_upper_80,OT_lower_95,OT_upper_95"));
    QVERIFY(lines[1].rfind(weft::test::hourly_date(1344), 0) == 0);
    std::istringstream first(lines[1].substr(lines[1].find(',') + 1));
    double load0 = 0;
    first >> load0;
    QVERIFY(std::abs(load0 - r.forecast.values[0]) < 1e-6 * std::max(1.0, std::abs(load0)));
    QCOMPARE(r.to_json()["weft"]["request"]["model"].get<std::string>(), model_);
  }

  void newDataUsesTheStoredScaler() {
    // The same series a day longer: the forecast starts a day later, and a file without the model's columns is
    // refused with a message that names the column.
    const std::string longer = dir_.filePath("longer.csv").toStdString();
    write_file_atomic(longer, seasonal_csv(1368, 0.1, 5));
    NullSink sink;
    CancelToken cancel;
    PredictRequest req;
    req.model = model_;
    req.csv = longer;
    req.backtest = false;
    const PredictResult r = run_predict(req, sink, cancel);
    QCOMPARE(r.history.rows(), std::size_t(1368));
    QVERIFY(r.backtest.time.empty());
    QCOMPARE(r.forecast.time.front(), r.history.time.back() + 3600);

    const std::string other = dir_.filePath("other.csv").toStdString();
    write_file_atomic(other, "date,temperature\n2020-01-01 00:00:00,1\n2020-01-01 01:00:00,2\n");
    req.csv = other;
    try {
      run_predict(req, sink, cancel);
      QFAIL("expected an error");
    } catch (const Error& e) {
      QVERIFY2(std::string(e.what()).find("load") != std::string::npos, e.what());
    }
  }

  void chosenColumnsOnly() {
    NullSink sink;
    CancelToken cancel;
    TrainRequest r = request(csv_, "");
    r.columns = {"OT"};
    r.epochs = 1;
    const TrainResult res = train_forecaster(r, sink, cancel);
    QCOMPARE(res.request.model.enc_in, 1);
    r.columns = {"load"};  // the target OT is left out: refused
    QVERIFY_THROWS_EXCEPTION(Error, train_forecaster(r, sink, cancel));
    r.columns = {"OT", "pressure"};
    QVERIFY_THROWS_EXCEPTION(Error, train_forecaster(r, sink, cancel));
  }

  void intervalsFollowVolatility() {
    // Calm for training and validation, four times noisier in the test split: fixed radii from the calm
    // validation errors under-cover; radii scaled by each lookback's volatility keep close to their level, and so
    // do unscaled radii that adapt to the misses as the test truths arrive.
    const std::string csv = dir_.filePath("regime.csv").toStdString();
    const int rows = 2000, test_begin = rows - rows / 5;
    write_file_atomic(csv, seasonal_csv(rows, [&](int i) { return i >= test_begin - 48 ? 0.4 : 0.1; }, 9));
    NullSink sink;
    CancelToken cancel;
    TrainRequest r = request(csv, "");
    r.interval_scaling = "none";
    r.interval_adapt = 0;
    const TrainResult fixed = train_forecaster(r, sink, cancel);
    r.interval_scaling = "lookback-volatility";
    const TrainResult scaled = train_forecaster(r, sink, cancel);
    r.interval_scaling = "none";
    r.interval_adapt = 0.05;
    const TrainResult adapted = train_forecaster(r, sink, cancel);
    QCOMPARE(fixed.test.mse, scaled.test.mse);  // same model: only the intervals differ
    QCOMPARE(adapted.fixed_test_coverage, fixed.test_coverage);
    const QString msg = QString("80 %: fixed %1, scaled %2, adapted %3")
                            .arg(fixed.test_coverage[0]).arg(scaled.test_coverage[0]).arg(adapted.test_coverage[0]);
    qInfo("%s", qPrintable(msg));
    QVERIFY2(fixed.test_coverage[0] < 0.6, qPrintable(msg));
    QVERIFY2(std::abs(scaled.test_coverage[0] - 0.8) < 0.1, qPrintable(msg));
    QVERIFY2(std::abs(adapted.test_coverage[0] - 0.8) < 0.1, qPrintable(msg));
    QVERIFY2(std::abs(adapted.test_coverage[1] - 0.95) < 0.05, qPrintable(msg));
  }

  void publishedTable() {
    QCOMPARE(benchmark_dataset("/data/ETTh1.csv"), std::string("ETTh1"));
    QCOMPARE(benchmark_dataset("exchange_rate.csv"), std::string("Exchange"));
    QCOMPARE(benchmark_dataset("mine.csv"), std::string());
    const auto p = published_score("ETTh1", "itransformer", 96);
    QVERIFY(p && p->mse == 0.386 && p->mae == 0.405);
    double avg = 0;
    for (int h : {96, 192, 336, 720}) avg += published_score("ETTh1", "dlinear", h)->mse / 4;
    QVERIFY(std::abs(avg - 0.456) < 0.001);  // the paper's average
    QVERIFY(!published_score("ETTh1", "dlinear", 48));
    QCOMPARE(official_recipe("ETTh1", "itransformer", 336).d_model, 512);
    QCOMPARE(official_recipe("Exchange", "itransformer", 96).d_model, 128);
    QCOMPARE(official_recipe("ETTh1", "patchtst", 720).n_heads, 16);
    QCOMPARE(benchmark_dataset("data/national_illness.csv"), std::string("ILI"));
    QCOMPARE(official_recipe("ILI", "dlinear", 24).learning_rate, 0.01);
    QVERIFY(!published_score("ILI", "dlinear", 24));
  }

  // Published scores were measured at lookback 96: a run at another lookback is not put next to them.
  void publishedOnlyAtTheirLookback() {
    BenchRequest b;
    b.csvs = {std::string(WEFT_SHARED_DIR) + "/data/timeseries/ETTh1.csv"};
    b.models = {"dlinear"};
    b.horizons = {96};
    b.max_epochs = 1;
    b.max_train_windows = 64;
    NullSink sink;
    CancelToken cancel;
    b.seq_len = 96;
    const auto at96 = run_protocol_bench(b, sink, cancel);
    QVERIFY(at96.rows.at(0).has_published);
    QCOMPARE(at96.rows[0].published_mse, 0.386);
    b.seq_len = 48;
    const auto at48 = run_protocol_bench(b, sink, cancel);
    QVERIFY(!at48.rows.at(0).has_published);
    QCOMPARE(at48.rows[0].settings["model"]["label_len"].get<int>(), 24);
  }

  void benchKeepsFinishedRuns() {
    BenchRequest b;
    b.csvs = {csv_};
    b.models = {"dlinear"};
    b.horizons = {24, 12};
    b.seq_len = 48;
    b.max_epochs = 1;
    b.max_train_windows = 128;
    b.results = dir_.filePath("bench.jsonl").toStdString();
    NullSink sink;
    CancelToken cancel;
    const BenchResult first = run_protocol_bench(b, sink, cancel);
    QCOMPARE(first.rows.size(), std::size_t(2));
    QCOMPARE(first.rows[0].horizon, 24);
    QCOMPARE(first.rows[0].dataset, std::string("seasonal"));
    QVERIFY(first.rows[0].mse > 0 && std::isfinite(first.rows[0].mse));  // one short epoch: scored, not good
    QCOMPARE(first.rows[0].windows, std::size_t(1344 / 5 - 24 + 1));    // every test window
    QCOMPARE(first.rows[0].settings["model"]["pred_len"].get<int>(), 24);
    QCOMPARE(first.rows[0].epochs_run, 1);
    QCOMPARE(lines_of(b.results).size(), std::size_t(2));
    // A rerun reuses both rows (a cancelled token would stop any new training at once).
    CancelToken stopped;
    stopped.request(CancelToken::Mode::Now);
    const BenchResult again = run_protocol_bench(b, sink, stopped);
    QCOMPARE(again.rows.size(), std::size_t(2));
    QCOMPARE(again.rows[1].mse, first.rows[1].mse);
    // Another seed is another run: it is not taken from the file.
    b.seed = 99;
    QVERIFY_THROWS_EXCEPTION(Cancelled, run_protocol_bench(b, sink, stopped));
    const std::string table = bench_table(first.rows, /*markdown=*/true);
    QVERIFY(table.find("| seasonal | dlinear | 24 |") != std::string::npos);
    QVERIFY(table.find("| seasonal | dlinear | avg (2) |") != std::string::npos);  // 2 of the 4 horizons
    // Each row ends with its measured test coverage of the 80 % and 95 % intervals, adaptive then fixed radii;
    // the average row with their averages.
    QCOMPARE(first.rows[0].coverage.size(), std::size_t(2));
    QCOMPARE(first.rows[0].fixed_coverage.size(), std::size_t(2));
    char cover[96];
    std::snprintf(cover, sizeof cover, "| %.1f / %.1f | %.1f / %.1f |\n", 100 * first.rows[0].coverage[0],
                  100 * first.rows[0].coverage[1], 100 * first.rows[0].fixed_coverage[0],
                  100 * first.rows[0].fixed_coverage[1]);
    const std::size_t row24 = table.find("| seasonal | dlinear | 24 |");
    QCOMPARE(table.find(cover, row24), table.find('\n', row24) - std::strlen(cover) + 1);
    std::snprintf(cover, sizeof cover, "| %.1f / %.1f | %.1f / %.1f |\n",
                  50 * (first.rows[0].coverage[0] + first.rows[1].coverage[0]),
                  50 * (first.rows[0].coverage[1] + first.rows[1].coverage[1]),
                  50 * (first.rows[0].fixed_coverage[0] + first.rows[1].fixed_coverage[0]),
                  50 * (first.rows[0].fixed_coverage[1] + first.rows[1].fixed_coverage[1]));
    QVERIFY2(table.find(cover, table.find("| avg (2) |")) != std::string::npos, table.c_str());
  }
};

QTEST_APPLESS_MAIN(TestSeriesPredict)
#include "test_series_predict.moc"
