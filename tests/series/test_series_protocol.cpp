// The standard protocol: split borders and window counts of the published tables, the train-only scaler, the
// official time features, and the repeat-last-value sanity values of ../shared/data/timeseries/README.md.
#include <QtTest/QtTest>

#include <cmath>
#include <sstream>

#include "common/error.h"
#include "series/csv_reader.h"
#include "series/protocol.h"

using namespace weft::series;

namespace {

const std::string kData = std::string(WEFT_SHARED_DIR) + "/data/timeseries/";

ProtocolData load(const std::string& file, size_t seq_len, size_t pred_len) {
  ProtocolOptions o;
  o.seq_len = seq_len;
  o.pred_len = pred_len;
  return prepare_protocol(read_csv(kData + file), o);
}

// Equal when printed to 3 decimals (the README's precision).
bool three_decimals(double got, double want) { return std::fabs(got - want) <= 0.0005 + 1e-12; }

}  // namespace

class TestSeriesProtocol : public QObject {
  Q_OBJECT
 private slots:
  void split_borders_data() {
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("seq");
    QTest::addColumn<int>("pred");
    QTest::addColumn<int>("rule");
    QTest::addColumn<QList<int>>("windows");
    QTest::newRow("ETTh1") << 17420 << 96 << 96 << int(SplitRule::EttHour) << QList<int>{8449, 2785, 2785};
    QTest::newRow("ETTm1") << 69680 << 96 << 96 << int(SplitRule::EttMinute) << QList<int>{34369, 11425, 11425};
    QTest::newRow("exchange") << 7588 << 96 << 96 << int(SplitRule::Ratio) << QList<int>{5120, 665, 1422};
    QTest::newRow("weather") << 52696 << 96 << 96 << int(SplitRule::Ratio) << QList<int>{36696, 5175, 10444};
    QTest::newRow("traffic") << 17544 << 96 << 96 << int(SplitRule::Ratio) << QList<int>{12089, 1661, 3413};
    QTest::newRow("ILI") << 966 << 36 << 24 << int(SplitRule::Ratio) << QList<int>{617, 74, 170};
  }
  void split_borders() {
    QFETCH(int, rows);
    QFETCH(int, seq);
    QFETCH(int, pred);
    QFETCH(int, rule);
    QFETCH(QList<int>, windows);
    const Splits s = standard_splits(rows, seq, pred, SplitRule(rule));
    QCOMPARE(int(s.train.windows(seq, pred)), windows[0]);
    QCOMPARE(int(s.val.windows(seq, pred)), windows[1]);
    QCOMPARE(int(s.test.windows(seq, pred)), windows[2]);
    QCOMPARE(s.val.begin + size_t(seq), s.train.end);  // val/test windows start seq_len rows early
    QCOMPARE(s.test.begin + size_t(seq), s.val.end);
  }

  void exchange_borders() {
    const Splits s = standard_splits(7588, 96, 96, SplitRule::Ratio);
    QCOMPARE(s.train.end, size_t(5311));
    QCOMPARE(s.val.end, size_t(6071));
    QCOMPARE(s.test.end, size_t(7588));
    QCOMPARE(split_rule_for("/x/ETTh2.csv"), SplitRule::EttHour);
    QCOMPARE(split_rule_for("ETTm1.csv"), SplitRule::EttMinute);
    QCOMPARE(split_rule_for("weather.csv"), SplitRule::Ratio);
  }

  void too_short_says_the_numbers() {
    try {
      standard_splits(150, 96, 96, SplitRule::Ratio, "mine.csv");
      QFAIL("expected an error");
    } catch (const weft::Error& e) {
      const std::string m = e.what();
      QVERIFY2(m.find("mine.csv: 150 rows are too few for lookback 96 + horizon 96") == 0, m.c_str());
      QVERIFY2(m.find("gives 105 train, 15 val and 30 test rows") != std::string::npos, m.c_str());
      QVERIFY2(m.find("at least 944 rows are needed") != std::string::npos, m.c_str());
    }
    try {
      standard_splits(5000, 96, 96, SplitRule::EttHour, "ETTh1.csv");
      QFAIL("expected an error");
    } catch (const weft::Error& e) {
      QVERIFY(std::string(e.what()).find("the ETT split needs 14400 rows (12/4/4 months)") != std::string::npos);
    }
    try {
      standard_splits(17420, 96, 9000, SplitRule::EttHour, "ETTh1.csv");
      QFAIL("expected an error");
    } catch (const weft::Error& e) {
      QVERIFY2(std::string(e.what()).find("8640 train, 2880 val and 2880 test rows, but train needs at least 9096") !=
                   std::string::npos,
               e.what());
    }
    QVERIFY(standard_splits(944, 96, 96, SplitRule::Ratio).test.windows(96, 96) > 0);
    QVERIFY_THROWS_EXCEPTION(weft::Error, standard_splits(943, 96, 96, SplitRule::Ratio));
    QVERIFY_THROWS_EXCEPTION(weft::Error, standard_splits(944, 0, 96, SplitRule::Ratio));
  }

  void scaler_uses_train_rows_and_population_std() {
    // Rows 0..3 are train: mean 2.5, population std sqrt(1.25); the huge test value must not leak in.
    std::vector<double> v = {1, 5, 2, 5, 3, 5, 4, 5, 1000, 5};
    Scaler s = Scaler::fit(v, 2, 0, 4);
    QCOMPARE(s.mean[0], 2.5);
    QCOMPARE(s.scale[0], std::sqrt(1.25));
    QCOMPARE(s.scale[1], 1.0);  // constant column: unscaled, as sklearn
    s.transform(v);
    QCOMPARE(v[1], 0.0);
    QCOMPARE(s.inverse(v[8], 0), 1000.0);
  }

  void time_features_hourly() {
    const auto f = time_features({*parse_timestamp("2016-07-01 00:00:00"), *parse_timestamp("2016-12-31 23:00:00")});
    QCOMPARE(f.size(), size_t(8));
    QCOMPARE(f[0], -0.5f);                          // hour 0
    QCOMPARE(f[1], float(4 / 6.0 - 0.5));           // Friday
    QCOMPARE(f[2], -0.5f);                          // day 1
    QCOMPARE(f[3], float(182 / 365.0 - 0.5));       // day 183 of a leap year
    QCOMPARE(f[4], 0.5f);                           // hour 23
    QCOMPARE(f[5], float(5 / 6.0 - 0.5));           // Saturday
    QCOMPARE(f[6], float(30 / 30.0 - 0.5));         // day 31
    QCOMPARE(f[7], float(365 / 365.0 - 0.5));       // day 366
    QCOMPARE(time_feature_count('t'), size_t(5));
  }

  void repeat_last_sanity_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("seq");
    QTest::addColumn<int>("pred");
    QTest::addColumn<double>("mse");
    QTest::addColumn<double>("mae");
    QTest::newRow("exchange 96") << "exchange_rate.csv" << 96 << 96 << 0.081 << 0.196;
    QTest::newRow("exchange 192") << "exchange_rate.csv" << 96 << 192 << 0.167 << 0.289;
    QTest::newRow("exchange 336") << "exchange_rate.csv" << 96 << 336 << 0.306 << 0.398;
    QTest::newRow("exchange 720") << "exchange_rate.csv" << 96 << 720 << 0.810 << 0.676;
    QTest::newRow("ILI 24") << "national_illness.csv" << 36 << 24 << 6.213 << 1.622;
    QTest::newRow("ILI 60") << "national_illness.csv" << 36 << 60 << 6.885 << 1.788;
    QTest::newRow("ETTh1 96") << "ETTh1.csv" << 96 << 96 << 1.294 << 0.713;
    QTest::newRow("ETTh1 720") << "ETTh1.csv" << 96 << 720 << 1.335 << 0.755;
    QTest::newRow("ETTh2 96") << "ETTh2.csv" << 96 << 96 << 0.432 << 0.422;
  }
  void repeat_last_sanity() {
    QFETCH(QString, file);
    QFETCH(int, seq);
    QFETCH(int, pred);
    QFETCH(double, mse);
    QFETCH(double, mae);
    const ProtocolData p = load(file.toStdString(), seq, pred);
    const BaselineScore s = repeat_last_baseline(p);
    qInfo("%s H=%d: MSE %.5f MAE %.5f over %zu windows (README %.3f / %.3f)", qPrintable(file), pred, s.mse, s.mae,
          s.windows, mse, mae);
    QVERIFY2(three_decimals(s.mse, mse), qPrintable(QString::number(s.mse, 'f', 5)));
    QVERIFY2(three_decimals(s.mae, mae), qPrintable(QString::number(s.mae, 'f', 5)));
    QCOMPARE(s.windows, p.splits.test.windows(seq, pred));
  }

  void target_moves_last_and_marks_exist() {
    std::istringstream in("date,OT,a\n" + [] {
      std::string rows;
      for (int i = 0; i < 400; ++i) rows += "2020/1/" + std::to_string(1 + i % 28) + " 0:00," + std::to_string(i) + ",1\n";
      return rows;
    }());
    const auto t = parse_csv(in, "custom.csv");
    ProtocolOptions o;
    o.seq_len = 8;
    o.pred_len = 4;
    const ProtocolData p = prepare_protocol(t, o);
    QCOMPARE(p.columns.back(), std::string("OT"));
    QCOMPARE(p.marks.size(), size_t(400 * 4));
  }
};

QTEST_APPLESS_MAIN(TestSeriesProtocol)
#include "test_series_protocol.moc"
