// Training and inference speed of the five forecasters at the published ETTh1 settings (B = 32, L = H = 96,
// 7 variates, 1 thread): median ms per train step (forward + MSE + backward + Adam), the epoch that makes
// (265 steps), and inference latency for 32 windows and for one. With WEFT_TSLIB_DIR pointing at a
// Time-Series-Library checkout (and Debian's python3-torch), the official models are timed the same way in the
// same run (tests/series/bench_forecast_python.py) and the table shows C++ / Python ratios side by side.
// WEFT_BENCH_QUICK=1 leaves out Autoformer and Informer (seconds per step at these sizes).
#include <torch/torch.h>  // before Qt: Qt's `slots` macro breaks LibTorch headers

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "series/forecaster.h"

using namespace weft::series;

namespace {

struct Case {
  const char* name;
  ModelConfig config;
  int reps;
};

std::vector<Case> cases() {
  auto make = [](const char* model, int d_model, int d_ff, int heads, int layers) {
    ModelConfig c;
    c.model = model;
    c.seq_len = c.pred_len = 96;
    c.enc_in = 7;
    c.d_model = d_model;
    c.d_ff = d_ff;
    c.n_heads = heads;
    c.e_layers = layers;
    c.factor = 3;  // the Time-Series-Library scripts' value for Autoformer and Informer
    return c;
  };
  return {{"DLinear", make("dlinear", 512, 2048, 8, 2), 15},
          {"iTransformer d256", make("itransformer", 256, 256, 8, 2), 9},
          {"PatchTST d512 e1", make("patchtst", 512, 2048, 2, 1), 5},
          {"Autoformer d512", make("autoformer", 512, 2048, 8, 2), 3},
          {"Informer d512", make("informer", 512, 2048, 8, 2), 3}};
}

template <typename Fn>
double median_ms(Fn&& fn, int reps) {
  fn();  // warm-up
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

struct Timing {
  long long params = 0;
  double train = 0, infer = 0, infer1 = 0;
};

Timing time_ours(const Case& k) {
  torch::manual_seed(0);
  auto model = make_forecaster(k.config);
  const int B = 32, L = 96, H = 96, N = 7, label = k.config.label_len;
  auto inputs = [&](int b) {
    return std::make_tuple(torch::randn({b, L, N}), torch::rand({b, L, 4}) - 0.5,
                           torch::rand({b, label + H, 4}) - 0.5);
  };
  const auto [x, mark, dec_mark] = inputs(B);
  const auto [x1, mark1, dec_mark1] = inputs(1);
  const torch::Tensor y = torch::randn({B, H, N});
  torch::optim::Adam opt(model->module().parameters(), torch::optim::AdamOptions(1e-4));
  Timing t;
  t.params = model->parameter_count();
  t.train = median_ms([&] {
    model->module().train();
    opt.zero_grad();
    torch::mse_loss(model->forward(x, mark, dec_mark), y).backward();
    opt.step();
  }, k.reps);
  auto infer = [&](const torch::Tensor& xi, const torch::Tensor& mi, const torch::Tensor& di) {
    return [&, xi, mi, di] {
      model->module().eval();
      torch::NoGradGuard g;
      model->forward(xi, mi, di);
    };
  };
  t.infer = median_ms(infer(x, mark, dec_mark), k.reps);
  t.infer1 = median_ms(infer(x1, mark1, dec_mark1), k.reps);
  return t;
}

// The official model of one case, timed by the Python script right after ours (so both see the same machine
// load); nullopt when WEFT_TSLIB_DIR or python3-torch is missing.
std::optional<Timing> time_official(const Case& k) {
  const QByteArray tslib = qgetenv("WEFT_TSLIB_DIR");
  if (tslib.isEmpty()) return std::nullopt;
  nlohmann::json spec = nlohmann::json::array();
  {
    const ModelConfig& c = k.config;
    spec.push_back({{"name", k.name}, {"model", c.model}, {"batch", 32}, {"reps", k.reps},
                    {"configs", {{"seq_len", 96}, {"label_len", c.label_len}, {"pred_len", 96}, {"enc_in", 7},
                                 {"dec_in", 7}, {"c_out", 7}, {"d_model", c.d_model}, {"d_ff", c.d_ff},
                                 {"n_heads", c.n_heads}, {"e_layers", c.e_layers}, {"d_layers", c.d_layers},
                                 {"factor", 3}, {"dropout", c.dropout}}}});
  }
  QTemporaryDir dir;
  const QString specPath = dir.filePath("spec.json");
  std::ofstream(specPath.toStdString()) << spec.dump();
  QProcess py;
  py.start("/usr/bin/python3", {QStringLiteral(WEFT_SOURCE_DIR "/tests/series/bench_forecast_python.py"),
                                QString::fromLocal8Bit(tslib), specPath});
  if (!py.waitForFinished(-1) || py.exitCode() != 0) {
    qWarning("the official %s could not be timed: %s", k.name, py.readAllStandardError().constData());
    return std::nullopt;
  }
  const auto j = nlohmann::json::parse(py.readAllStandardOutput().trimmed().toStdString());
  return Timing{j.at("params"), j.at("train_ms"), j.at("infer_ms"), j.at("infer1_ms")};
}

}  // namespace

class BenchForecastModels : public QObject {
  Q_OBJECT
 private slots:
  void speed() {
    at::set_num_threads(1);
    std::vector<Case> all = cases();
    if (qEnvironmentVariableIntValue("WEFT_BENCH_QUICK"))  // the three quick models only
      all.erase(std::remove_if(all.begin(), all.end(), [](const Case& k) { return k.config.model == "autoformer" ||
                                                                               k.config.model == "informer"; }),
                all.end());
    std::map<std::string, Timing> ours, official;
    for (const Case& k : all) {
      ours[k.name] = time_ours(k);
      if (const auto t = time_official(k)) official[k.name] = *t;
    }
    const bool side = !official.empty();
    std::printf("\n%-18s %10s %11s %9s %11s %11s", "model (ETTh1, H96)", "params", "train ms", "epoch s", "infer32 ms",
                "infer1 ms");
    if (side) std::printf("  %11s %11s %11s", "Py train ms", "Py inf32 ms", "C++/Py train");
    std::printf("\n");
    std::vector<double> ratios;
    for (const Case& k : all) {
      const Timing& t = ours[k.name];
      std::printf("%-18s %10lld %11.1f %9.1f %11.2f %11.3f", k.name, t.params, t.train, t.train * 265 / 1000, t.infer,
                  t.infer1);
      if (const auto it = official.find(k.name); it != official.end()) {
        QCOMPARE(it->second.params, t.params);  // the same models, or the comparison means nothing
        std::printf("  %11.1f %11.2f %11.2f", it->second.train, it->second.infer, t.train / it->second.train);
        ratios.push_back(t.train / it->second.train);
      }
      std::printf("\n");
    }
    if (side) {
      std::sort(ratios.begin(), ratios.end());
      std::printf("C++ / official Python train-step time, median over models: %.2f\n", ratios[ratios.size() / 2]);
    } else {
      std::printf("C++ DLinear epoch at ETTh1 shapes: %.2f s (set WEFT_TSLIB_DIR to time the official models too)\n",
                  ours["DLinear"].train * 265 / 1000);
    }
  }
};

// Autoformer and Informer at d_model 512 take seconds per step here: lift Qt Test's 5-minute watchdog.
int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QTEST_FUNCTION_TIMEOUT")) qputenv("QTEST_FUNCTION_TIMEOUT", "7200000");
  BenchForecastModels bench;
  return QTest::qExec(&bench, argc, argv);
}
#include "bench_forecast_models.moc"
