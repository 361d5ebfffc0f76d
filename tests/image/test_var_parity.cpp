// Parity of the C++ VAR port with tensors produced by the official FoundationVision/VAR code (shared fixtures).
#include <torch/torch.h>  // before Qt: Qt's `slots` macro breaks LibTorch headers

#include <QtTest>

#include <algorithm>
#include <cstdio>

#include "common/error.h"
#include "common/rng.h"
#include "fixture_util.h"
#include "image/model_io.h"
#include "image/sampler.h"
#include "image/var_model.h"
#include "image/vqvae.h"

using namespace weft::image;
using namespace weft::image::test;

class TestVarParity : public QObject {
  Q_OBJECT

  ModelConfig cfg_ = fixture_config();
  Vqvae vae_{nullptr};
  Var var_{nullptr};
  std::map<std::string, torch::Tensor> vio_, tio_;

  std::vector<torch::Tensor> fixture_idx(const char* prefix) {
    std::vector<torch::Tensor> idx;
    for (int k = 0; k < 4; ++k) idx.push_back(vio_.count(prefix + std::to_string(k)) ? vio_[prefix + std::to_string(k)]
                                                                                        : tio_[prefix + std::to_string(k)]);
    return idx;
  }
  void check_close(const char* what, const torch::Tensor& got, const torch::Tensor& want, double tol) {
    QCOMPARE(got.sizes().vec(), want.sizes().vec());
    const double d = max_abs_diff(got, want);
    std::printf("  %-14s max |diff| = %.3g (tolerance %.0e)\n", what, d, tol);
    QVERIFY2(d <= tol, what);
  }

 private slots:
  void initTestCase() {
    at::set_num_threads(1);
    torch::NoGradGuard no_grad;
    vae_ = Vqvae(cfg_);
    load_weights(*vae_, fixture("vqvae/weights.pth"));
    var_ = Var(cfg_);
    load_weights(*var_, fixture("transformer/weights.pth"));
    vae_->eval();
    var_->eval();
    vio_ = read_io("vqvae/io.safetensors");
    tio_ = read_io("transformer/io.safetensors");
  }

  void safetensorsLoadToo() {
    Vqvae v(cfg_);
    load_weights(*v, fixture("vqvae/weights.safetensors"));
    Var t(cfg_);
    load_weights(*t, fixture("transformer/weights.safetensors"));
    QVERIFY(torch::equal(t->named_parameters()["head.weight"], var_->named_parameters()["head.weight"]));
  }

  void phiMapping() {
    ModelConfig c = cfg_;
    c.patch_nums = {1, 2, 3, 4, 5, 6, 8, 10, 13, 16};
    c.vqvae.ch_mult = {1};  // only the quantizer matters here
    VqvaeImpl v(c);
    std::vector<int> got;
    for (int si = 0; si < 10; ++si) got.push_back(v.phi_index(si));
    QCOMPARE(got, (std::vector<int>{0, 0, 1, 1, 1, 2, 2, 3, 3, 3}));
    for (int si = 0; si < 4; ++si) QCOMPARE(vae_->phi_index(si), si);
    // The other official φ layouts and their state-dict names.
    auto keys = [&](int share, double ratio) {
      ModelConfig cc = c;
      cc.vqvae.share_quant_resi = share;
      cc.vqvae.quant_resi = ratio;
      std::vector<std::string> k;
      for (const auto& p : VqvaeImpl(cc).named_parameters().keys())
        if (p.rfind("quantize.quant_resi", 0) == 0 && p.find(".weight") != std::string::npos) k.push_back(p);
      return k;
    };
    QCOMPARE(keys(1, 0.5), (std::vector<std::string>{"quantize.quant_resi.qresi.weight"}));
    QCOMPARE(int(keys(0, 0.5).size()), 10);
    QCOMPARE(keys(0, 0.5)[9], std::string("quantize.quant_resi.9.weight"));
    QVERIFY(keys(4, 0.0).empty());
  }

  void tokenizer() {
    torch::NoGradGuard no_grad;
    const auto& img = vio_["img"];
    auto enc = vae_->encoder_out(img);
    check_close("enc_out", enc, vio_["enc_out"], 1e-5);
    auto f = vae_->features(img);
    check_close("f", f, vio_["f"], 1e-5);
    auto idx = vae_->f_to_idx(f);
    QCOMPARE(int(idx.size()), 4);
    for (int k = 0; k < 4; ++k) QVERIFY2(torch::equal(idx[k], vio_["idx_s" + std::to_string(k)]), "idx_s differs");
    std::printf("  idx_s0..s3     identical\n");
    auto fh = vae_->f_to_fhat(f);
    for (int k = 0; k < 4; ++k) check_close(("fhat_s" + std::to_string(k)).c_str(), fh[k], vio_["fhat_s" + std::to_string(k)], 1e-5);
    auto ref_idx = fixture_idx("idx_s");
    check_close("var_input", vae_->idx_to_var_input(ref_idx), vio_["var_input"], 1e-5);
    check_close("rec", vae_->idx_to_img(ref_idx), vio_["rec"], 1e-4);
    // Round trip: the f̂ rebuilt from the indices equals the quantizer's own running sum.
    check_close("idx_to_fhat", vae_->idx_to_fhat(ref_idx).back(), vio_["fhat_s3"], 1e-5);
  }

  void teacherForcedLogits() {
    torch::NoGradGuard no_grad;
    check_close("logits", var_->forward(tio_["label_B"], tio_["x_BLCv_wo_first_l"]), tio_["logits"], 1e-5);
    check_close("logits_null", var_->forward(tio_["label_B_null"], tio_["x_BLCv_wo_first_l"]), tio_["logits_null"], 1e-5);
  }

  // The key VAR invariant: running scale by scale with the KV cache gives the block-causal forward's logits.
  void kvCacheEqualsForward() {
    torch::NoGradGuard no_grad;
    const auto& x_in = tio_["x_BLCv_wo_first_l"];
    auto full = var_->forward(tio_["label_B"], x_in);
    auto cond = var_->condition(tio_["label_B"]);
    KvCache cache;
    auto x = var_->start_tokens(cond);
    double worst = 0;
    for (int si = 0; si < 4; ++si) {
      auto logits = var_->step(x, cond, cache);
      worst = std::max(worst, max_abs_diff(logits, full.slice(1, var_->scale_begin(si), var_->scale_begin(si + 1))));
      if (si < 3) {
        const int first = var_->scale_begin(1);
        x = var_->embed_scale(si + 1, x_in.slice(1, var_->scale_begin(si + 1) - first, var_->scale_begin(si + 2) - first));
      }
    }
    std::printf("  kv-cache vs forward max |diff| = %.3g\n", worst);
    QVERIFY(worst <= 1e-5);
  }

  // The same invariant on random weights, a longer schedule and the other block variants (shared AdaLN as in the
  // official d36, plain scaled attention without the L2 norm).
  void kvCacheVariants() {
    torch::NoGradGuard no_grad;
    torch::manual_seed(11);
    for (bool shared : {false, true}) {
      ModelConfig c = cfg_;
      c.patch_nums = {1, 2, 3, 4, 5, 6, 8};
      c.var.shared_aln = shared;
      c.var.attn_l2_norm = !shared;
      VarImpl v(c);
      v.eval();
      const auto names = v.named_parameters().keys();
      const bool has_shared = std::find(names.begin(), names.end(), "shared_ada_lin.1.weight") != names.end();
      const bool has_gss = std::find(names.begin(), names.end(), "blocks.1.ada_gss") != names.end();
      QCOMPARE(has_shared, shared);
      QCOMPARE(has_gss, shared);
      for (auto& p : v.parameters()) p.add_(torch::randn_like(p) * 0.05);  // make AdaLN gates non-trivial
      auto labels = torch::tensor({1, 10, 4}, torch::kLong);
      auto x_in = torch::randn({3, v.tokens() - 1, c.vqvae.z_channels});
      auto full = v.forward(labels, x_in);
      auto cond = v.condition(labels);
      KvCache cache;
      auto x = v.start_tokens(cond);
      double worst = 0;
      for (int si = 0; si < v.scales(); ++si) {
        auto logits = v.step(x, cond, cache);
        worst = std::max(worst, max_abs_diff(logits, full.slice(1, v.scale_begin(si), v.scale_begin(si + 1))));
        if (si + 1 < v.scales()) x = v.embed_scale(si + 1, x_in.slice(1, v.scale_begin(si + 1) - 1, v.scale_begin(si + 2) - 1));
      }
      std::printf("  kv-cache (shared_aln=%d, l2=%d) max |diff| = %.3g\n", shared, !shared, worst);
      QVERIFY(worst <= 1e-5);
    }
  }

  void greedySampling() {
    SampleOptions o;
    o.labels = {3, 7};
    o.cfg = 1.5;
    o.top_k = 1;
    o.record_logits = true;
    auto gen = weft::torch_compatible_generator(0);
    int callbacks = 0;
    auto trace = sample(*var_, *vae_, o, gen, [&](int si, const torch::Tensor&) { QCOMPARE(si, callbacks++); });
    QCOMPARE(callbacks, 4);
    for (int k = 0; k < 4; ++k) {
      const auto key = std::to_string(k);
      QVERIFY2(torch::equal(trace.idx[k], tio_["gen_idx_s" + key]), ("gen_idx_s" + key).c_str());
      check_close(("gen_logits_s" + key).c_str(), trace.logits[k], tio_["gen_logits_s" + key], 1e-5);
    }
    std::printf("  gen_idx_s0..s3 identical\n");
    check_close("gen_fhat", trace.f_hat, tio_["gen_fhat"], 1e-5);
    check_close("gen_img", trace.image, tio_["gen_img"], 1e-4);
  }

  // In-/out-painting: kept tokens are teacher-forced scale by scale; keeping everything reproduces the image.
  void editingKeepsTokens() {
    auto gt = fixture_idx("idx_s");
    SampleOptions o;
    o.labels = {3, 7};
    o.top_k = 5;
    o.keep_tokens = gt;
    o.keep_mask = torch::ones({4, 4});
    auto gen = weft::cpu_generator(1);
    auto all = sample(*var_, *vae_, o, gen);
    for (int k = 0; k < 4; ++k) QVERIFY(torch::equal(all.idx[k], gt[k]));
    check_close("keep-all fhat", all.f_hat, vio_["fhat_s3"], 1e-5);
    auto mask = torch::zeros({4, 4});
    mask.slice(1, 0, 2).fill_(1);  // keep the left half, repaint the right half
    o.keep_mask = mask;
    int repainted = 0;
    for (uint64_t seed = 0; seed < 3; ++seed) {
      auto g = weft::cpu_generator(seed);
      auto half = sample(*var_, *vae_, o, g);
      QVERIFY(torch::equal(half.idx[0], gt[0]));  // 1×1: always kept
      for (int k = 1; k < 4; ++k) {
        const int64_t pn = k + 1;
        auto m = at::upsample_bilinear2d(mask.view({1, 1, 4, 4}), {pn, pn}, false).gt(0.5).reshape({1, pn * pn}).expand({2, -1});
        QVERIFY(torch::equal(half.idx[k].masked_select(m), gt[k].masked_select(m)));
        repainted += int(half.idx[k].ne(gt[k]).logical_and(m.logical_not()).sum().item<int64_t>());
      }
    }
    QVERIFY(repainted > 0);  // the masked-out region really is sampled
    o.keep_mask = torch::ones({3, 3});
    QVERIFY_THROWS_EXCEPTION(weft::Error, sample(*var_, *vae_, o, gen));
  }

  void topKTopP() {
    auto gen = weft::cpu_generator(5);
    auto logits = torch::tensor({0.0f, 1.0f, 2.0f, 3.0f}).view({1, 1, 4});
    auto l1 = logits.clone();
    sample_top_k_top_p(l1, 2, 0.0, gen);
    QVERIFY(std::isinf(l1[0][0][0].item<float>()) && std::isinf(l1[0][0][1].item<float>()));
    QVERIFY(!std::isinf(l1[0][0][2].item<float>()));
    auto l2 = logits.clone();
    sample_top_k_top_p(l2, 0, 0.5, gen);  // softmax ≈ .03 .09 .24 .64: only the top token survives
    QCOMPARE(int(torch::isinf(l2).sum().item<int64_t>()), 3);
    for (int i = 0; i < 20; ++i) {
      auto l3 = logits.clone();
      QCOMPARE(sample_top_k_top_p(l3, 2, 0.0, gen).item<int64_t>() >= 2, true);
    }
  }

  void wrongCheckpoint() {
    Var t(cfg_);
    try {
      load_weights(*t, fixture("vqvae/weights.pth"));
      QFAIL("loading tokenizer weights into the transformer must fail");
    } catch (const weft::Error& e) {
      QVERIFY(std::string(e.what()).find("missing") != std::string::npos);
      QVERIFY(e.where_part().find("weights.pth") != std::string::npos);
    }
    ModelConfig c = cfg_;
    c.vqvae.vocab_size = 32;
    Vqvae v(c);
    try {
      load_weights(*v, fixture("vqvae/weights.safetensors"));
      QFAIL("shape mismatch must fail");
    } catch (const weft::Error& e) {
      QVERIFY(std::string(e.what()).find("quantize.") != std::string::npos);
    }
    QVERIFY_THROWS_EXCEPTION(weft::Error, var_->condition(torch::tensor({11}, torch::kLong)));
    QVERIFY_THROWS_EXCEPTION(weft::Error, vae_->encoder_out(torch::zeros({1, 3, 32, 32})));
    auto idx = fixture_idx("idx_s");
    idx[2] = idx[2].clone();
    idx[2][0][0] = 64;  // one past the codebook
    QVERIFY_THROWS_EXCEPTION(weft::Error, vae_->idx_to_img(idx));
    idx = fixture_idx("idx_s");
    idx[1] = idx[1].slice(1, 0, 3);
    QVERIFY_THROWS_EXCEPTION(weft::Error, vae_->idx_to_var_input(idx));
  }

  void configJson() {
    auto j = cfg_.to_json();
    auto back = ModelConfig::from_json(j);
    QCOMPARE(back.to_json(), j);
    QCOMPARE(back.tokens(), 30);
    QCOMPARE(back.image_size(), 64);
    auto bad = j;
    bad["vqvae"]["ch"] = 48;
    QVERIFY_THROWS_EXCEPTION(weft::Error, ModelConfig::from_json(bad));
    bad = j;
    bad["patch_nums"] = {1, 3, 2};
    QVERIFY_THROWS_EXCEPTION(weft::Error, ModelConfig::from_json(bad));
  }
};

QTEST_GUILESS_MAIN(TestVarParity)
#include "test_var_parity.moc"
