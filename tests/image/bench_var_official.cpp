// The shipped picture model (models/image/fashion) run by this project's C++ and by the official Python VAR code
// on the same config and the same safetensors, side by side in one run, plus the achieved FLOP/s of the C++
// transformer stage against this machine's measured matmul rate.
//
// The official code is a FoundationVision/VAR checkout named by $WEFT_VAR_OFFICIAL (any commit with the 2024
// models/ layout; the fixtures used 78b9539), run by $WEFT_PYTHON (default /usr/bin/python3, Debian's
// python3-torch). Without it the C++ figures are still printed and the comparison is reported as skipped.
// Before timing, both sides draw the greedy (top-k 1) images of two labels: they must agree pixel for pixel
// (within float32 tolerance), which also proves the Python side really runs these weights.
#include <torch/torch.h>  // before Qt: Qt's `slots` macro breaks LibTorch headers

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>

#include "common/blas_probe.h"
#include "common/json_io.h"
#include "common/rng.h"
#include "image/model_io.h"
#include "image/sampler.h"

using namespace weft;
using namespace weft::image;

namespace {

const std::string kModel = std::string(WEFT_SOURCE_DIR) + "/models/image/fashion/model.json";
constexpr double kCfg = 1.5;
constexpr int kRepeats = 5;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Multiply-adds of one image's transformer stage (×2 for the unconditional CFG pass), counted from the config:
// per scale of l tokens after P tokens of context, every block does qkv (3C²), attention (2·C·(P+l)), proj (C²),
// MLP (2·r·C²) per token and its AdaLN (6C²) once; then the head's AdaLN (2C²) and logits (C·V) per token, the
// word embedding (Cvae·C) and the f̂ update's φ convolution (9·Cvae² per latent position, full latent size).
double transformer_flops_per_image(const ModelConfig& c) {
  const double C = c.var.embed_dim, V = c.vqvae.vocab_size, Cv = c.vqvae.z_channels, r = c.var.mlp_ratio;
  const double D = c.var.depth;
  const double n = c.patch_nums.back();
  double macs = 0, context = 0;
  for (int pn : c.patch_nums) {
    const double l = double(pn) * pn;
    context += l;
    macs += D * (l * ((3 + 1 + 2 * r) * C * C + 2 * C * context) + 6 * C * C);
    macs += 2 * C * C + l * C * V + l * Cv * C;
    macs += 9 * Cv * Cv * n * n;
  }
  return 2.0 /*FLOPs per MAC*/ * 2.0 /*CFG*/ * macs;
}

std::vector<int64_t> labels_for(int batch, int classes) {
  std::vector<int64_t> l;
  for (int i = 0; i < batch; ++i) l.push_back(i % classes);
  return l;
}

}  // namespace

class BenchVarOfficial : public QObject {
  Q_OBJECT

 private slots:
  void sideBySide() {
    at::set_num_threads(1);
    torch::NoGradGuard no_grad;
    if (!QFileInfo::exists(QString::fromStdString(kModel))) QSKIP("models/image/fashion is missing");
    auto model = load_image_model(kModel);
    auto& var = *model->var;
    auto& vae = *model->vqvae;
    const int classes = static_cast<int>(model->config.var.num_classes);

    // Greedy images of labels 3 and 7 (the C++ half of the parity check).
    SampleOptions greedy;
    greedy.labels = {3, 7};
    greedy.cfg = kCfg;
    greedy.top_k = 1;
    auto gen = cpu_generator(0);
    const auto ours = sample(var, vae, greedy, gen).image.contiguous();

    // The C++ timings: the whole sampling call (transformer stage + decoding), and the decoding alone.
    std::printf("shipped fashion model: depth %d, width %d, V %d, patch nums %zu scales, cfg %.1f, 1 thread, "
                "median of %d\n", int(model->config.var.depth), int(model->config.var.embed_dim),
                int(model->config.vqvae.vocab_size), model->config.patch_nums.size(), kCfg, kRepeats);
    std::map<int, double> cpp_ms, decode_ms;
    for (int batch : {1, 8}) {
      SampleOptions o;
      o.labels = labels_for(batch, classes);
      o.cfg = kCfg;
      std::vector<double> total, decode;
      for (int rep = 0; rep <= kRepeats; ++rep) {
        auto g = cpu_generator(std::uint64_t(rep));
        const auto t0 = std::chrono::steady_clock::now();
        const auto trace = sample(var, vae, o, g);
        const auto t1 = std::chrono::steady_clock::now();
        vae.fhat_to_img(trace.f_hat);
        const auto t2 = std::chrono::steady_clock::now();
        if (rep == 0) continue;  // warm-up
        total.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count() / batch);
        decode.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count() / batch);
      }
      cpp_ms[batch] = median(total);
      decode_ms[batch] = median(decode);
    }

    // The official code on the same files.
    const QString root = qEnvironmentVariable("WEFT_VAR_OFFICIAL");
    const QString python = qEnvironmentVariable("WEFT_PYTHON", QStringLiteral("/usr/bin/python3"));
    std::map<int, double> py_ms;
    QString skipped;
    if (root.isEmpty() || !QFileInfo::exists(root + "/models/var.py")) {
      skipped = "set WEFT_VAR_OFFICIAL to a FoundationVision/VAR checkout to compare with the official code";
    } else {
      QTemporaryDir dir;
      const QString greedy_file = dir.filePath("greedy.f32");
      QProcess py;
      py.start(python, {QStringLiteral(WEFT_SOURCE_DIR "/tests/image/official_var_bench.py"), "--var-root", root,
                        "--model", QString::fromStdString(kModel), "--repeats", QString::number(kRepeats),
                        "--cfg", QString::number(kCfg), "--greedy-out", greedy_file});
      QVERIFY2(py.waitForFinished(600000), "the official code did not finish in 10 minutes");
      const QByteArray out = py.readAllStandardOutput();
      QVERIFY2(py.exitCode() == 0, (py.readAllStandardError().right(2000)).constData());
      const QList<QByteArray> lines = out.trimmed().split('\n');
      const Json j = parse_json(lines.back().toStdString(), "official_var_bench.py output");
      for (const auto& [batch, ms] : j.at("ms_per_image").items()) py_ms[std::stoi(batch)] = ms.get<double>();
      std::ifstream f(greedy_file.toStdString(), std::ios::binary);
      std::vector<float> theirs(static_cast<std::size_t>(ours.numel()));
      f.read(reinterpret_cast<char*>(theirs.data()), std::streamsize(theirs.size() * sizeof(float)));
      QVERIFY2(f.gcount() == std::streamsize(theirs.size() * sizeof(float)), "greedy image size differs");
      const auto ref = torch::from_blob(theirs.data(), ours.sizes(), torch::kFloat).clone();
      const double diff = (ref - ours).abs().max().item<double>();
      std::printf("greedy images of labels 3 and 7, C++ vs official: max |difference| %.2e over %lld pixels\n", diff,
                  static_cast<long long>(ours.numel()));
      QVERIFY2(diff < 1e-3, "the C++ and the official code disagree on the same weights");
    }

    std::printf("%-6s %14s %14s %10s %16s\n", "batch", "C++ ms/image", "official ms", "official/C++",
                "C++ decode ms/img");
    for (int batch : {1, 8}) {
      if (py_ms.count(batch))
        std::printf("%-6d %14.1f %14.1f %10.2fx %16.1f\n", batch, cpp_ms[batch], py_ms[batch],
                    py_ms[batch] / cpp_ms[batch], decode_ms[batch]);
      else
        std::printf("%-6d %14.1f %14s %10s %16.1f\n", batch, cpp_ms[batch], "-", "-", decode_ms[batch]);
    }
    if (!skipped.isEmpty()) std::printf("official code: skipped (%s)\n", qPrintable(skipped));

    // Achieved rate of the transformer stage (sampling time minus decoding) against the machine's matmul rate.
    MatmulProbeRequest probe;
    NullSink sink;
    CancelToken cancel;
    const double peak = run_matmul_probe(probe, sink, cancel).median_gflops;
    const double flops = transformer_flops_per_image(model->config);
    for (int batch : {1, 8}) {
      const double ms = cpp_ms[batch] - decode_ms[batch];
      const double gflops = flops / (ms * 1e6);
      std::printf("batch %d: transformer stage %.1f MFLOP/image in %.1f ms = %.2f GFLOP/s, %.1f %% of this "
                  "machine's %.1f GFLOP/s float32 matmul (1 thread)\n",
                  batch, flops / 1e6, ms, gflops, 100 * gflops / peak, peak);
    }
  }
};

QTEST_GUILESS_MAIN(BenchVarOfficial)
#include "bench_var_official.moc"
