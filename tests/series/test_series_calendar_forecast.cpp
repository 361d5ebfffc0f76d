// Forecasting past the end of monthly data: a tiny DLinear trained on a month-end CSV with a missing month
// (filled) forecasts month ends, the model file keeps the calendar step, and forecast_future continues quarters.
#include <torch/torch.h>  // before Qt: Qt's `slots` macro breaks torch headers

#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <sstream>

#include "common/atomic_file.h"
#include "common/safetensors.h"
#include "series/forecast_future.h"
#include "series/model_file.h"
#include "series/parse_report.h"
#include "series/protocol.h"
#include "series/predict.h"
#include "series/trainer.h"

using namespace weft;
using namespace weft::series;

namespace {

std::string day_of(Timestamp t) { return format_timestamp(t).substr(0, 10); }

// date,load,OT on month ends from 1980-01-31, a yearly cycle; `skip` leaves one month out.
std::string month_end_csv(int months, int skip) {
  std::string s = "date,load,OT\n";
  const Timestamp first = *parse_timestamp("1980-01-31");
  char line[96];
  for (int i = 0; i < months; ++i) {
    if (i == skip) continue;
    const double a = std::sin(2 * M_PI * i / 12.0), b = 0.5 * std::cos(2 * M_PI * i / 12.0);
    std::snprintf(line, sizeof line, "%s,%.6f,%.6f\n", day_of(advance(first, TimeStep{0, 1, true}, i)).c_str(), a, b);
    s += line;
  }
  return s;
}

}  // namespace

class TestSeriesCalendarForecast : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

 private slots:
  void monthly_model_forecasts_month_ends() {
    const std::string csv = dir_.filePath("monthly.csv").toStdString();
    write_file_atomic(csv, month_end_csv(360, 100));  // 1980-01 … 2009-12, 1988-05 missing
    TrainRequest t;
    t.csv = csv;
    t.fill = "linear";
    t.model.model = "dlinear";
    t.model.seq_len = 24;
    t.model.pred_len = 12;
    t.epochs = 1;
    t.seed = 3;
    t.output = dir_.filePath("m").toStdString();
    NullSink sink;
    CancelToken cancel;
    const std::string model = train_forecaster(t, sink, cancel).model_path;

    // The model file: step_seconds as months × kMonthSeconds (older readers see about a month) and step_months.
    const auto meta = parse_json(read_safetensors(model, false).metadata.at("weft_forecast"), "meta");
    QCOMPARE(meta.at("step_months").get<int>(), 1);
    QCOMPARE(load_forecast_model(model).info.step_seconds, kMonthSeconds);

    PredictRequest p;
    p.model = model;
    const PredictResult r = run_predict(p, sink, cancel);
    QCOMPARE(r.history.rows(), std::size_t(360));  // the missing month was filled
    QCOMPARE(day_of(r.history.time[100]), std::string("1988-05-31"));
    QCOMPARE(day_of(r.history.time.back()), std::string("2009-12-31"));
    QCOMPARE(r.forecast.rows(), std::size_t(12));
    QCOMPARE(day_of(r.forecast.time[0]), std::string("2010-01-31"));
    QCOMPARE(day_of(r.forecast.time[1]), std::string("2010-02-28"));
    QCOMPARE(day_of(r.forecast.time[2]), std::string("2010-03-31"));
    QCOMPARE(day_of(r.forecast.time[3]), std::string("2010-04-30"));
    QCOMPARE(day_of(r.forecast.time[11]), std::string("2010-12-31"));
    for (double v : r.forecast.values) QVERIFY(std::isfinite(v));
  }

  // Training reads the whole table: over the memory cap it is refused before training, with the numbers.
  void training_over_the_memory_cap_is_refused() {
    const std::string csv = dir_.filePath("capped.csv").toStdString();
    write_file_atomic(csv, month_end_csv(360, -1));
    TrainRequest t;
    t.csv = csv;
    t.model.model = "dlinear";
    t.model.seq_len = 24;
    t.model.pred_len = 12;
    NullSink sink;
    CancelToken cancel;
    qputenv("WEFT_CSV_MAX_BYTES", "1000");
    try {
      train_forecaster(t, sink, cancel);
      qunsetenv("WEFT_CSV_MAX_BYTES");
      QFAIL("the cap must refuse the file");
    } catch (const weft::Error& e) {
      qunsetenv("WEFT_CSV_MAX_BYTES");
      const std::string m = e.what();
      qInfo("%s", m.c_str());
      QVERIFY(m.find("capped.csv line 2: about 3") != std::string::npos);  // ~360 rows
      QVERIFY(m.find("rows × 2 columns × 8 bytes = 6 kB of values would not fit in memory: the limit is 1 kB "
                     "(WEFT_CSV_MAX_BYTES)") != std::string::npos);
    }
  }

  void forecast_future_continues_quarters() {
    std::string csv = "date,OT\n";
    const Timestamp first = *parse_timestamp("2000-01-15");
    for (int i = 0; i < 80; ++i)
      csv += day_of(advance(first, TimeStep{0, 3, false}, i)) + "," + std::to_string(i % 4) + "\n";
    std::istringstream in(csv);
    const SeriesTable table = parse_csv(in, "q.csv");
    const ParseReport report = make_report(table);
    QCOMPARE(report.time_step.months, 3);
    ProtocolOptions po;
    po.seq_len = 8;
    po.pred_len = 4;
    const ProtocolData data = prepare_protocol(table, po);
    ModelConfig c;
    c.model = "dlinear";
    c.seq_len = 8;
    c.pred_len = 4;
    c.enc_in = 1;
    auto m = make_forecaster(c);
    const FutureForecast f = forecast_future(*m, data, report.time_step);
    QCOMPARE(day_of(data.time.back()), std::string("2019-10-15"));
    QCOMPARE(day_of(f.time[0]), std::string("2020-01-15"));
    QCOMPARE(day_of(f.time[3]), std::string("2020-10-15"));
    // The second-based overload (what model files and LoadedData carry) decodes the same step.
    QCOMPARE(forecast_future(*m, data, report.step).time, f.time);
  }
};

QTEST_APPLESS_MAIN(TestSeriesCalendarForecast)
#include "test_series_calendar_forecast.moc"
