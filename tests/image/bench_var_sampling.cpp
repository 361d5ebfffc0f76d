// Sampling speed of the tiny CPU configuration from DESIGN §4.1 (32 px, 8×8 latent, patch_nums 1,2,3,4,6,8,
// depth 6 / width 256, V 512), random weights, through the real generate job: ms/image without preview and
// with the fast and full previews. Reference (official Python, 1 thread, B=1 with CFG): ~52 ms/image.
#include <torch/torch.h>  // before Qt: Qt's `slots` macro breaks LibTorch headers

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "common/blas_probe.h"
#include "common/safetensors.h"
#include "common/torch_bridge.h"
#include "image/generate.h"
#include "image/var_model.h"
#include "image/vqvae.h"

using namespace weft;
using namespace weft::image;

class BenchVarSampling : public QObject {
  Q_OBJECT

 private slots:
  void sampling() {
    at::set_num_threads(1);
    torch::manual_seed(0);
    QTemporaryDir dir;
    ModelConfig c;
    c.patch_nums = {1, 2, 3, 4, 6, 8};
    c.vqvae.vocab_size = 512;
    c.vqvae.z_channels = 32;
    c.vqvae.ch = 32;
    c.vqvae.ch_mult = {1, 2, 2};
    c.vqvae.num_res_blocks = 1;
    c.var.num_classes = 10;
    c.var.depth = 6;
    c.var.embed_dim = 256;
    c.var.num_heads = 4;
    Vqvae vae(c);
    Var var(c);
    const auto vae_path = dir.filePath("vae.safetensors").toStdString();
    const auto var_path = dir.filePath("var.safetensors").toStdString();
    write_safetensors(vae_path, named_tensors_of(*vae));
    write_safetensors(var_path, named_tensors_of(*var));
    auto j = c.to_json();
    j["weights"] = {{"vqvae", vae_path}, {"var", var_path}};
    const auto model = dir.filePath("model.json").toStdString();
    std::ofstream(model) << j.dump();
    int64_t params = 0;
    for (const auto& p : var->parameters()) params += p.numel();

    std::printf("VAR d6/w256/V512, 32 px, 130 tokens, %.2f M transformer params, 1 thread, cfg 1.5, top-k 900\n",
                params / 1e6);
    std::printf("%-8s %6s %12s %14s\n", "preview", "batch", "ms/image", "preview ms/img");
    double none_ms = 0, full_ms = 0;
    for (int batch : {1, 8}) {
      for (auto mode : {PreviewMode::None, PreviewMode::Fast, PreviewMode::Full}) {
        GenerateRequest r;
        r.model = model;
        r.class_id = 3;
        r.count = 16;
        r.batch = batch;
        r.preview = mode;
        NullSink sink;
        CancelToken cancel;
        generate(r, sink, cancel);  // warm-up (and the fast preview's one-time fit)
        auto res = generate(r, sink, cancel);
        const double ms = res.seconds * 1e3 / r.count;
        std::printf("%-8s %6d %12.1f %14.1f\n", preview_mode_name(mode), batch, ms, res.preview_seconds * 1e3 / r.count);
        if (batch == 1 && mode == PreviewMode::None) none_ms = ms;
        if (batch == 1 && mode == PreviewMode::Full) full_ms = ms;
      }
    }
    // The shipped models, when present: the next-scale model and its raster-order baseline (same network size,
    // same tokens, one token per step), previews off, batch 8, cfg 1.5.
    for (const char* name : {"fashion", "fashion-raster"}) {
      const std::string path = std::string(WEFT_SOURCE_DIR) + "/models/image/" + name + "/model.json";
      if (!QFileInfo::exists(QString::fromStdString(path))) continue;
      GenerateRequest r;
      r.model = path;
      r.class_id = 1;
      r.count = 32;
      r.batch = 8;
      r.preview = PreviewMode::None;
      NullSink sink;
      CancelToken cancel;
      generate(r, sink, cancel);
      std::vector<double> ms;
      for (int i = 0; i < 3; ++i) ms.push_back(generate(r, sink, cancel).seconds * 1e3 / r.count);
      std::sort(ms.begin(), ms.end());
      std::printf("shipped %-15s batch 8: %.1f ms/image (median of 3)\n", name, ms[1]);
    }
    MatmulProbeRequest probe;
    NullSink sink;
    CancelToken cancel;
    std::printf("(this machine: %.1f GFLOP/s float32 matmul, 1 thread; the 52 ms reference ran at 150-190)\n",
                run_matmul_probe(probe, sink, cancel).median_gflops);
    std::printf("full per-scale preview costs %.2fx the preview-free sampling time (batch 1)\n", full_ms / none_ms);
  }
};

QTEST_GUILESS_MAIN(BenchVarSampling)
#include "bench_var_sampling.moc"
