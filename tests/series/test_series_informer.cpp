// Informer against the official Time-Series-Library code (fixture in tests/data/series/informer, made by its
// generate_fixture.py): strict loading of both weight formats, parity of the forward pass with the reference's
// random key sample reproduced from the recorded seed, reproducible sampling, and a short training run.
// torch first: Qt's `slots` macro breaks the torch headers.
#include <torch/torch.h>

#include <QtTest/QtTest>

#include <fstream>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/json_io.h"
#include "common/safetensors.h"
#include "common/torch_bridge.h"
#include "series/csv_reader.h"
#include "series/date_time.h"
#include "series/forecast_future.h"
#include "series/forecaster.h"
#include "series/protocol.h"

using namespace weft::series;

namespace {

const std::string kDir = std::string(WEFT_SOURCE_DIR) + "/tests/data/series/informer/";

nlohmann::json fixture_json() {
  std::ifstream in(kDir + "config.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return weft::parse_json(ss.str(), "informer/config.json");
}

// The model config from the fixture's constructor arguments and recorded sampling seed.
ModelConfig fixture_config() {
  const auto j = fixture_json();
  auto c = j["constructor_args"]["configs"];
  c["model"] = "informer";
  c["sample_seed"] = j["sample_seed"];
  return ModelConfig::from_json(c);
}

std::unique_ptr<Forecaster> fixture_model(const std::string& weights = "weights.pth") {
  auto m = make_forecaster(fixture_config());
  load_weights(*m, kDir + weights);
  m->module().eval();
  return m;
}

struct Io {
  weft::NamedTensors t = weft::read_safetensors(kDir + "io.safetensors").tensors;
  torch::Tensor operator[](const std::string& name) const {
    const auto* found = weft::find_tensor(t, name);
    if (!found) throw weft::Error("no tensor " + name, "io.safetensors");
    return weft::to_torch(*found);
  }
};

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.sizes() != b.sizes()) return 1e30;
  return (a - b).abs().max().item<double>();
}

ModelConfig tiny(double dropout) {
  ModelConfig c;
  c.model = "informer";
  c.seq_len = 32;
  c.label_len = 16;
  c.pred_len = 8;
  c.enc_in = 3;
  c.d_model = 16;
  c.n_heads = 2;
  c.d_ff = 32;
  c.e_layers = 2;
  c.dropout = dropout;
  return c;
}

}  // namespace

class TestSeriesInformer : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { torch::set_num_threads(1); }

  void parity_data() {
    QTest::addColumn<QString>("weights");
    QTest::addColumn<QString>("suffix");  // which input batch
    QTest::addColumn<QString>("output");
    QTest::addColumn<qint64>("seed");  // 0: the fixture's sample_seed
    QTest::newRow("pth") << "weights.pth" << "" << "y" << qint64(0);
    QTest::newRow("safetensors") << "weights.safetensors" << "" << "y" << qint64(0);
    QTest::newRow("second batch") << "weights.pth" << "2" << "y2" << qint64(0);
    QTest::newRow("other seed") << "weights.pth" << "" << "y_seed7" << qint64(7);
  }
  void parity() {
    QFETCH(QString, weights);
    QFETCH(QString, suffix);
    QFETCH(QString, output);
    QFETCH(qint64, seed);
    torch::NoGradGuard no_grad;
    auto c = fixture_config();
    if (seed) c.sample_seed = std::uint64_t(seed);
    auto m = make_forecaster(c);
    load_weights(*m, kDir + weights.toStdString());
    m->module().eval();
    const Io io;
    const std::string s = suffix.toStdString();
    QCOMPARE(io["sample_seed"].item<int64_t>(), int64_t(fixture_config().sample_seed));
    const auto y = m->forward(io["x_enc" + s], io["x_mark_enc" + s], io["x_mark_dec" + s]);
    const double d = max_abs_diff(y, io[output.toStdString()]);
    qInfo("informer %s (%s): max |C++ - official| = %.3g", qPrintable(output), qPrintable(weights), d);
    QVERIFY2(d <= 1e-5, qPrintable(QString::number(d)));
  }

  // The decoder input the model builds must be the one the reference was given.
  void decoder_input_matches_reference() {
    const Io io;
    const auto x = io["x_enc"], x_dec = io["x_dec"];
    const auto ours = torch::cat({x.narrow(1, 96 - 48, 48), torch::zeros({x.size(0), 24, x.size(2)})}, 1);
    QCOMPARE(max_abs_diff(ours, x_dec), 0.0);
  }

  void strict_loading_names_the_problem() {
    auto c = fixture_config();
    c.distil = false;  // no encoder.conv_layers: the checkpoint has them
    auto m = make_forecaster(c);
    try {
      load_weights(*m, kDir + "weights.pth");
      QFAIL("a checkpoint with distilling layers must not load into a model without them");
    } catch (const weft::Error& e) {
      QVERIFY2(std::string(e.what()).find("conv_layers") != std::string::npos, e.what());
    }
    std::set<std::string> names;
    for (const auto& p : fixture_model()->module().named_parameters()) names.insert(p.key());
    for (const auto& b : fixture_model()->module().named_buffers()) names.insert(b.key());
    const auto state_dict = fixture_json()["state_dict"];
    for (const auto& [name, meta] : state_dict.items()) QVERIFY2(names.count(name), name.c_str());
    QCOMPARE(names.size(), state_dict.size());
  }

  // Eval mode redraws the key sample from sample_seed on every call: the result depends on neither the global
  // generator nor earlier calls, and the global generator is left untouched.
  void sampling_is_reproducible() {
    torch::NoGradGuard no_grad;
    auto m = fixture_model();
    const Io io;
    const auto x = io["x_enc"], xm = io["x_mark_enc"], dm = io["x_mark_dec"];
    torch::manual_seed(1);
    const auto a = m->forward(x, xm, dm);
    torch::manual_seed(99);
    const auto probe = torch::rand({4});
    torch::manual_seed(99);
    const auto b = m->forward(x, xm, dm);
    QVERIFY(torch::equal(torch::rand({4}), probe));
    QVERIFY(torch::equal(a, b));
    // A window's forecast does not depend on its batch (the sample is shared by the batch, not drawn per row).
    const auto single = m->forward(x.narrow(0, 1, 1), xm.narrow(0, 1, 1), dm.narrow(0, 1, 1));
    QVERIFY(max_abs_diff(single, a.narrow(0, 1, 1)) <= 1e-6);

    // Training mode follows the global generator, which the trainer seeds.
    m->module().train();
    torch::manual_seed(5);
    const auto t1 = m->forward(x, xm, dm);
    torch::manual_seed(5);
    const auto t2 = m->forward(x, xm, dm);
    QVERIFY(torch::equal(t1, t2));
    QVERIFY(!torch::equal(t1, m->forward(x, xm, dm)));
  }

  void defaults_and_errors() {
    ModelConfig c = tiny(0.1);
    QCOMPARE(c.factor, 0.0);
    QCOMPARE(make_forecaster(c)->config().factor, 5.0);
    c.model = "autoformer";
    QCOMPARE(make_forecaster(c)->config().factor, 1.0);  // unchanged for Autoformer
    c.model = "informer";
    c.factor = 3;
    QCOMPARE(make_forecaster(c)->config().factor, 3.0);
    const auto back = ModelConfig::from_json(make_forecaster(c)->config().to_json());
    QCOMPARE(back.factor, 3.0);
    QVERIFY(back.distil);

    auto m = make_forecaster(tiny(0.1));
    m->module().eval();
    const auto x = torch::randn({2, 32, 3}), xm = torch::rand({2, 32, 4});
    QVERIFY_THROWS_EXCEPTION(weft::Error, m->forward(x, xm, torch::rand({2, 8, 4})));  // needs 16 + 8 steps
    QVERIFY_THROWS_EXCEPTION(weft::Error, m->forward(x, xm, torch::Tensor()));
    QCOMPARE(m->forward(x, torch::Tensor(), torch::Tensor()).sizes().vec(), (std::vector<int64_t>{2, 8, 3}));
    c.label_len = 40;
    QVERIFY_THROWS_EXCEPTION(weft::Error, make_forecaster(c));
  }

  void no_distil_and_one_layer_run() {
    for (bool distil : {false, true}) {
      for (int layers : {1, 3}) {
        ModelConfig c = tiny(0.1);
        c.distil = distil;
        c.e_layers = layers;
        auto m = make_forecaster(c);
        m->module().eval();
        torch::NoGradGuard no_grad;
        const auto y = m->forward(torch::randn({2, 32, 3}), torch::rand({2, 32, 4}), torch::rand({2, 24, 4}));
        QCOMPARE(y.sizes().vec(), (std::vector<int64_t>{2, 8, 3}));
        QVERIFY(torch::isfinite(y).all().item<bool>());
      }
    }
  }

  // A few Adam steps on one small batch lower the (eval-mode, hence deterministic) loss.
  void training_lowers_the_loss() {
    torch::manual_seed(3);
    auto m = make_forecaster(tiny(0.1));
    const auto t = torch::arange(40, torch::kFloat).view({1, 40, 1});
    const auto series = torch::sin(t * 0.5 + torch::arange(4, torch::kFloat).view({4, 1, 1})).expand({4, 40, 3}).contiguous();
    const auto x = series.narrow(1, 0, 32), target = series.narrow(1, 32, 8);
    const auto xm = torch::rand({4, 32, 4}) - 0.5, dm = torch::rand({4, 24, 4}) - 0.5;
    auto eval_loss = [&] {
      torch::NoGradGuard no_grad;
      m->module().eval();
      return torch::mse_loss(m->forward(x, xm, dm), target).item<double>();
    };
    const double before = eval_loss();
    torch::optim::Adam opt(m->module().parameters(), torch::optim::AdamOptions(3e-3));
    m->module().train();
    for (int step = 0; step < 30; ++step) {
      opt.zero_grad();
      auto loss = torch::mse_loss(m->forward(x, xm, dm), target);
      loss.backward();
      QVERIFY(std::isfinite(loss.item<double>()));
      opt.step();
    }
    const double after = eval_loss();
    qInfo("informer tiny batch: eval MSE %.4f -> %.4f after 30 Adam steps", before, after);
    QVERIFY2(after < 0.7 * before, qPrintable(QString("%1 -> %2").arg(before).arg(after)));
  }

  // Past the end of a real CSV: the decoder window (label_len known rows + the future) is built for Informer too.
  void forecasts_past_the_end() {
    ProtocolOptions po;
    po.seq_len = 96;
    po.pred_len = 24;
    const ProtocolData data = prepare_protocol(read_csv(std::string(WEFT_SHARED_DIR) + "/data/timeseries/ETTh1.csv"), po);
    auto m = fixture_model();
    const FutureForecast f = forecast_future(*m, data, 3600);
    QCOMPARE(f.values.size(), size_t(24 * 7));
    QCOMPARE(format_timestamp(f.time.front()), std::string("2018-06-26 20:00:00"));
    for (double v : f.values) QVERIFY(std::isfinite(v));
    const FutureForecast again = forecast_future(*m, data, 3600);
    QVERIFY(f.values == again.values);
  }
};

QTEST_APPLESS_MAIN(TestSeriesInformer)
#include "test_series_informer.moc"
