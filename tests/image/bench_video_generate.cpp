// Clip generation speed through the real video job (1 thread, medians of 5 runs, measured side by side in one
// run): ms per clip with previews off / fast / full (the preview overhead), and the per-frame baseline — the same
// number of frames drawn independently by a picture model — when both shipped models are present. Without them it
// measures the tiny video configuration with random weights (same network sizes as the shipped model).
#include <torch/torch.h>  // before Qt: Qt's `slots` macro breaks LibTorch headers

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/safetensors.h"
#include "common/torch_bridge.h"
#include "image/generate.h"
#include "image/train_image.h"
#include "image/var_model.h"
#include "image/vqvae.h"

using namespace weft;
using namespace weft::image;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Median ms per clip (or per picture) of `runs` generate calls.
double ms_per_item(GenerateRequest r, bool video, int runs) {
  std::vector<double> ms;
  NullSink quiet;
  for (int i = 0; i < runs; ++i) {
    r.seed = 100 + std::uint64_t(i);
    const auto t0 = std::chrono::steady_clock::now();
    const auto res = video ? generate_video(r, quiet, CancelToken{}) : generate(r, quiet, CancelToken{});
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ms.push_back(1000.0 * s / double(video ? res.clips.size() : res.images.size()));
  }
  return median(ms);
}

}  // namespace

class BenchVideoGenerate : public QObject {
  Q_OBJECT

 private slots:
  void clips() {
    at::set_num_threads(1);
    namespace fs = std::filesystem;
    const std::string shipped = WEFT_SOURCE_DIR "/models/video/moving-shapes/model.json";
    const std::string baseline = WEFT_SOURCE_DIR "/models/image/moving-shapes-frames/model.json";
    QTemporaryDir dir;
    std::string model = shipped;
    if (!fs::exists(shipped)) {
      torch::manual_seed(0);
      auto c = tiny_video_config();
      Vqvae vae(c);
      Var var(c);
      write_safetensors(dir.filePath("vae.safetensors").toStdString(), named_tensors_of(*vae));
      write_safetensors(dir.filePath("var.safetensors").toStdString(), named_tensors_of(*var));
      auto j = c.to_json();
      j["weights"] = {{"vqvae", dir.filePath("vae.safetensors").toStdString()},
                      {"var", dir.filePath("var.safetensors").toStdString()}};
      model = dir.filePath("model.json").toStdString();
      std::ofstream(model) << j.dump();
      std::printf("shipped video model not found: random weights in the tiny video configuration\n");
    }
    GenerateRequest r;
    r.model = model;
    r.class_id = 0;
    r.cfg = 1.5;
    r.top_k = 0;
    r.top_p = 0;
    std::printf("video model %s: 16 frames of 32 px, 455 tokens in 6 scales; 1 thread, cfg 1.5, median of 5\n",
                model.c_str());
    std::printf("%-8s %6s %10s %10s\n", "preview", "batch", "ms/clip", "vs none");
    for (int batch : {1, 8}) {
      r.count = r.batch = batch;
      double none = 0;
      for (auto mode : {PreviewMode::None, PreviewMode::Fast, PreviewMode::Full}) {
        r.preview = mode;
        const double ms = ms_per_item(r, true, 5);
        QVERIFY(ms > 0);
        if (mode == PreviewMode::None) none = ms;
        std::printf("%-8s %6d %10.1f %9.2fx\n", preview_mode_name(mode), batch, ms, ms / none);
      }
    }
    if (fs::exists(baseline) && model == shipped) {
      GenerateRequest b = r;
      b.model = baseline;
      b.preview = PreviewMode::None;
      b.count = b.batch = 16;  // one clip's worth of frames, drawn together
      const double per_frame = ms_per_item(b, false, 5);
      r.preview = PreviewMode::None;
      r.count = r.batch = 1;
      const double clip = ms_per_item(r, true, 5);
      std::printf("per-frame baseline: 16 independent frames %.1f ms/clip (batch 16) vs next-scale clip %.1f ms "
                  "(batch 1): %.2fx\n", 16 * per_frame, clip, 16 * per_frame / clip);
    }
  }
};

QTEST_GUILESS_MAIN(BenchVideoGenerate)
#include "bench_video_generate.moc"
