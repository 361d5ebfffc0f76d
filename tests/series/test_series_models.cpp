// Parity with the official implementations: each fixture's weights.pth loads strictly into our module and the
// forward pass reproduces the stored outputs (made by the official Python code) within 1e-5.
// torch first: Qt's `slots` macro breaks the torch headers.
#include <torch/torch.h>

#include <QtTest/QtTest>

#include <fstream>

#include "common/error.h"
#include "common/json_io.h"
#include "common/safetensors.h"
#include "common/torch_bridge.h"
#include "series/csv_reader.h"
#include "series/evaluate.h"
#include "series/forecast_future.h"
#include "series/forecaster.h"
#include "series/protocol.h"

using namespace weft::series;

namespace {

const std::string kFixtures = std::string(WEFT_SHARED_DIR) + "/fixtures/";

struct Fixture {
  std::unique_ptr<Forecaster> model;
  weft::NamedTensors io;
  torch::Tensor io_tensor(const std::string& name) const {
    const auto* t = weft::find_tensor(io, name);
    if (!t) throw weft::Error("no tensor " + name, "io.safetensors");
    return weft::to_torch(*t);
  }
};

// The model config is read from the fixture's constructor arguments, so the test follows the fixture.
ModelConfig config_of(const std::string& dir, const std::string& model) {
  std::ifstream in(kFixtures + dir + "/config.json");
  std::stringstream ss;
  ss << in.rdbuf();
  const auto j = weft::parse_json(ss.str(), dir + "/config.json");
  auto c = j["constructor_args"]["configs"];
  c["model"] = model;
  if (j["constructor_args"].contains("patch_len")) c["patch_len"] = j["constructor_args"]["patch_len"];
  if (j["constructor_args"].contains("stride")) c["stride"] = j["constructor_args"]["stride"];
  return ModelConfig::from_json(c);
}

Fixture load(const std::string& dir, const std::string& model, const std::string& weights = "weights.pth") {
  Fixture f;
  f.model = make_forecaster(config_of(dir, model));
  load_weights(*f.model, kFixtures + dir + "/" + weights);
  f.model->module().eval();
  f.io = weft::read_safetensors(kFixtures + dir + "/io.safetensors").tensors;
  return f;
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.sizes() != b.sizes()) return 1e30;
  return (a - b).abs().max().item<double>();
}

}  // namespace

class TestSeriesModels : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { torch::set_num_threads(1); }

  void parity_data() {
    QTest::addColumn<QString>("dir");
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("mark");
    QTest::addColumn<QString>("output");
    QTest::newRow("dlinear") << "dlinear" << "dlinear" << "x" << "" << "y";
    QTest::newRow("dlinear_individual") << "dlinear_individual" << "dlinear" << "x" << "" << "y";
    QTest::newRow("itransformer") << "itransformer" << "itransformer" << "x_enc" << "x_mark_enc" << "y";
    QTest::newRow("itransformer nomark") << "itransformer" << "itransformer" << "x_enc" << "" << "y_nomark";
    QTest::newRow("patchtst") << "patchtst" << "patchtst" << "x_enc" << "x_mark_enc" << "y";
    QTest::newRow("autoformer") << "autoformer" << "autoformer" << "x_enc" << "x_mark_enc" << "y";
  }
  void parity() {
    QFETCH(QString, dir);
    QFETCH(QString, model);
    QFETCH(QString, input);
    QFETCH(QString, mark);
    QFETCH(QString, output);
    torch::NoGradGuard no_grad;
    Fixture f = load(dir.toStdString(), model.toStdString());
    if (dir == "dlinear_individual") QVERIFY(f.model->config().individual);
    const auto x = f.io_tensor(input.toStdString());
    const auto m = mark.isEmpty() ? torch::Tensor() : f.io_tensor(mark.toStdString());
    const auto dec_mark = mark.isEmpty() ? torch::Tensor() : f.io_tensor("x_mark_dec");
    const auto y = f.model->forward(x, m, dec_mark);
    const double d = max_abs_diff(y, f.io_tensor(output.toStdString()));
    qInfo("%s %s: max |C++ - official| = %.3g", qPrintable(dir), qPrintable(output), d);
    QVERIFY2(d <= 1e-5, qPrintable(QString::number(d)));
  }

  void safetensors_weights_load_too() {
    torch::NoGradGuard no_grad;
    Fixture a = load("itransformer", "itransformer");
    Fixture b = load("itransformer", "itransformer", "weights.safetensors");
    const auto x = a.io_tensor("x_enc");
    QCOMPARE(max_abs_diff(a.model->forward(x, {}), b.model->forward(x, {})), 0.0);
  }

  void strict_loading_names_the_problem() {
    auto c = config_of("dlinear", "dlinear");
    c.individual = true;
    auto m = make_forecaster(c);
    try {
      load_weights(*m, kFixtures + "dlinear/weights.pth");
      QFAIL("shared weights must not load into the individual model");
    } catch (const weft::Error& e) {
      QVERIFY2(std::string(e.what()).find("Linear_Seasonal") != std::string::npos, e.what());
    }
    c = config_of("dlinear", "dlinear");
    c.pred_len = 48;
    m = make_forecaster(c);
    QVERIFY_THROWS_EXCEPTION(weft::Error, load_weights(*m, kFixtures + "dlinear/weights.pth"));
  }

  void parameter_counts() {
    ModelConfig d;
    d.model = "dlinear";
    d.pred_len = 720;
    QCOMPARE(make_forecaster(d)->parameter_count(), 139680LL);
    ModelConfig it;
    it.model = "itransformer";
    it.d_model = 256;
    it.d_ff = 256;
    QCOMPARE(make_forecaster(it)->parameter_count(), 841568LL);
  }

  // A DLinear whose two Linears both pick the last input value forecasts "repeat last value" (trend + seasonal =
  // x[L-1]), so scoring it through the batched window pipeline must reproduce the protocol's sanity value.
  void evaluate_reproduces_repeat_last() {
    ProtocolOptions po;
    po.seq_len = 96;
    po.pred_len = 96;
    const ProtocolData data = prepare_protocol(read_csv(std::string(WEFT_SHARED_DIR) + "/data/timeseries/exchange_rate.csv"), po);
    ModelConfig c;
    c.model = "dlinear";
    c.enc_in = static_cast<int>(data.cols());
    auto m = make_forecaster(c);
    {
      torch::NoGradGuard no_grad;
      for (auto& p : m->module().named_parameters()) {
        p.value().zero_();
        if (p.key().find("weight") != std::string::npos) p.value().select(1, 95).fill_(1.0f);
      }
    }
    weft::NullSink sink;
    weft::CancelToken cancel;
    const EvalScore s = evaluate(*m, data, {}, sink, cancel);
    const BaselineScore ref = repeat_last_baseline(data);
    qInfo("exchange H=96 via evaluate: MSE %.6f MAE %.6f (baseline %.6f / %.6f), %zu windows", s.mse, s.mae, ref.mse,
          ref.mae, s.windows);
    QCOMPARE(s.windows, size_t(1422));
    QVERIFY(std::fabs(s.mse - ref.mse) < 1e-5 && std::fabs(s.mae - ref.mae) < 1e-5);
    c.pred_len = 24;
    QVERIFY_THROWS_EXCEPTION(weft::Error, evaluate(*make_forecaster(c), data, {}, sink, cancel));

    // Past the end, in real units: the repeat-last model gives the last row of the CSV, one day after another.
    const FutureForecast f = forecast_future(*m, data, 86400);
    QCOMPARE(f.time.size(), size_t(96));
    QCOMPARE(weft::series::format_timestamp(f.time.front()), std::string("2010-10-11 00:00:00"));
    QCOMPARE(f.columns.back(), std::string("OT"));
    QVERIFY(std::fabs(f.at(0, 7) - 0.692689) < 1e-6 && std::fabs(f.at(95, 0) - 0.720825) < 1e-6);
  }

  void every_model_forecasts_past_the_end() {
    ProtocolOptions po;
    po.seq_len = 96;
    po.pred_len = 24;
    const ProtocolData data = prepare_protocol(read_csv(std::string(WEFT_SHARED_DIR) + "/data/timeseries/ETTh1.csv"), po);
    for (const char* dir : {"itransformer", "patchtst", "autoformer", "dlinear"}) {
      Fixture fx = load(dir, dir);
      const FutureForecast f = forecast_future(*fx.model, data, 3600);
      QCOMPARE(f.values.size(), size_t(24 * 7));
      QCOMPARE(weft::series::format_timestamp(f.time.front()), std::string("2018-06-26 20:00:00"));
      for (double v : f.values) QVERIFY2(std::isfinite(v), dir);
    }
  }

  void bad_config_is_an_error() {
    ModelConfig c;
    c.model = "itransformer";
    c.n_heads = 3;
    QVERIFY_THROWS_EXCEPTION(weft::Error, make_forecaster(c));
    QVERIFY_THROWS_EXCEPTION(weft::Error, ModelConfig::from_json({{"model", "informer2"}}));
    QVERIFY_THROWS_EXCEPTION(weft::Error, ModelConfig::from_json({{"seq_len", "96"}}));
  }

  void training_mode_runs_backward() {
    for (const char* name : {"dlinear", "itransformer", "patchtst", "autoformer", "informer"}) {
      ModelConfig c;
      c.model = name;
      c.seq_len = 32;
      c.pred_len = 8;
      c.label_len = 16;
      c.enc_in = 3;
      c.d_model = 16;
      c.n_heads = 2;
      c.d_ff = 32;
      auto m = make_forecaster(c);
      m->module().train();
      auto x = torch::randn({4, 32, 3});
      auto mark = torch::rand({4, 32, 4}) - 0.5;
      auto dec_mark = torch::rand({4, 24, 4}) - 0.5;
      auto y = m->forward(x, mark, dec_mark);
      QCOMPARE(y.sizes().vec(), (std::vector<int64_t>{4, 8, 3}));
      auto loss = y.pow(2).mean();
      loss.backward();
      QVERIFY2(std::isfinite(loss.item<double>()), name);
    }
  }
};

QTEST_APPLESS_MAIN(TestSeriesModels)
#include "test_series_models.moc"
