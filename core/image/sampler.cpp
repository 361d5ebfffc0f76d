#include "image/sampler.h"

#include <torch/torch.h>

#include <limits>

#include "common/error.h"
#include "image/var_model.h"
#include "image/vqvae.h"

namespace weft::image {

at::Tensor sample_top_k_top_p(at::Tensor& logits, int top_k, double top_p, at::Generator& gen) {
  const auto B = logits.size(0), l = logits.size(1), V = logits.size(2);
  const float neg_inf = -std::numeric_limits<float>::infinity();
  if (top_k > 0) {
    const int64_t k = std::min<int64_t>(top_k, V);
    auto kth = std::get<0>(logits.topk(k, -1, true, false)).amin(-1, true);
    logits.masked_fill_(logits < kth, neg_inf);
  }
  if (top_p > 0) {
    auto [sorted, order] = logits.sort(-1, false);
    auto drop = sorted.softmax(-1).cumsum(-1) <= (1 - top_p);
    drop.select(-1, V - 1).fill_(false);  // always keep the most likely token
    logits.masked_fill_(drop.scatter(-1, order, drop), neg_inf);
  }
  return torch::multinomial(logits.softmax(-1).view({-1, V}), 1, true, gen).view({B, l});
}

SampleTrace sample(VarImpl& var, VqvaeImpl& vae, const SampleOptions& o, at::Generator& gen,
                   const ScaleCallback& after_scale) {
  torch::NoGradGuard no_grad;
  const auto& cfg = var.config();
  if (cfg.patch_nums != vae.config().patch_nums || cfg.vqvae.z_channels != vae.config().vqvae.z_channels ||
      cfg.vqvae.vocab_size != vae.config().vqvae.vocab_size || cfg.video.time_nums != vae.config().video.time_nums)
    throw Error("the transformer and the tokenizer were built for different scales or codebooks", "sampler");
  if (o.labels.empty()) throw Error("nothing to sample: no labels", "sampler");
  const int64_t B = static_cast<int64_t>(o.labels.size());
  const int K = var.scales();
  const int64_t null_class = cfg.var.num_classes;
  auto labels = torch::tensor(o.labels, torch::kLong);
  labels = torch::where(labels < 0, torch::full_like(labels, null_class), labels);
  // Conditional rows first, then their unconditional twins; t = 0 everywhere makes the twins unnecessary.
  const bool guided = o.cfg != 0.0;
  auto cond = var.condition(guided ? torch::cat({labels, torch::full_like(labels, null_class)}) : labels);

  const bool editing = !o.keep_tokens.empty();
  if (editing && cfg.is_video()) throw Error("editing works on pictures, not clips", "sampler");
  torch::Tensor keep;  // (B, 1, h, w) float
  if (editing) {
    const int h = vae.latent_size();
    if (static_cast<int>(o.keep_tokens.size()) != K || !o.keep_mask.defined())
      throw Error("editing needs one token map per scale and a mask", "sampler");
    keep = o.keep_mask.to(torch::kFloat);
    if (keep.dim() == 2) keep = keep.unsqueeze(0);
    if (keep.dim() != 3 || (keep.size(0) != B && keep.size(0) != 1) || keep.size(1) != h || keep.size(2) != h)
      throw Error("the edit mask must be " + std::to_string(h) + "x" + std::to_string(h) + " (the latent size)", "sampler");
    keep = keep.expand({B, h, h}).unsqueeze(1).contiguous();
    for (int si = 0; si < K; ++si) {
      const auto& t = o.keep_tokens[si];
      const int64_t n = int64_t(cfg.patch_nums[si]) * cfg.patch_nums[si];
      if (t.dim() != 2 || t.size(0) != B || t.size(1) != n || t.scalar_type() != torch::kLong)
        throw Error("kept tokens of scale " + std::to_string(si) + " must be int64 [" + std::to_string(B) + ", " +
                        std::to_string(n) + "]", "sampler");
    }
  }

  // Where editing teacher-forces the kept picture's tokens: per scale (B, pn²) bool.
  auto forced = [&](int si) {
    const int64_t pn = cfg.patch_nums[si];
    auto force = at::upsample_bilinear2d(keep, {pn, pn}, false).gt(0.5).reshape({B, pn * pn});
    if (pn * pn <= 3) force.fill_(true);  // too coarse to split: the kept image fixes the global layout
    return force;
  };
  auto guidance = [&](int si) { return o.cfg * (K > 1 ? double(si) / double(K - 1) : 0.0); };

  SampleTrace trace;
  auto f_hat = vae.zero_fhat(B);
  KvCache cache;
  auto x = var.start_tokens(cond);
  if (cfg.var.raster) {
    // The baseline: one token per step, scale by scale in raster order; the scale's codes join f̂ (and the
    // preview) once the scale is complete, so previews stay comparable with next-scale sampling.
    for (int si = 0; si < K; ++si) {
      const int64_t n = cfg.scale_tokens(si);
      auto idx = torch::empty({B, n}, torch::kLong);
      const auto force = editing ? forced(si) : torch::Tensor();
      std::vector<torch::Tensor> scale_logits;
      for (int64_t i = 0; i < n; ++i) {
        auto logits = var.step(x, cond, cache);
        if (guided) {
          const double t = guidance(si);
          logits = (1 + t) * logits.slice(0, 0, B) - t * logits.slice(0, B, 2 * B);
        }
        if (o.record_logits) scale_logits.push_back(logits.clone());
        auto tok = sample_top_k_top_p(logits, o.top_k, o.top_p, gen);  // (B, 1)
        if (editing) tok = torch::where(force.slice(1, i, i + 1), o.keep_tokens[si].slice(1, i, i + 1), tok);
        idx.slice(1, i, i + 1).copy_(tok);
        const int next = var.scale_begin(si) + static_cast<int>(i) + 1;
        if (next < var.tokens()) {
          x = var.embed_tokens(next, vae.codebook().index_select(0, tok.view(-1)).view({B, 1, -1}));
          if (guided) x = x.repeat({2, 1, 1});
        }
      }
      if (o.record_logits) trace.logits.push_back(torch::cat(scale_logits, 1));
      trace.idx.push_back(idx);
      vae.add_scale(si, f_hat, idx);
      if (after_scale) after_scale(si, f_hat);
    }
    trace.f_hat = f_hat;
    trace.image = vae.fhat_to_img(f_hat).add_(1).mul_(0.5);
    return trace;
  }
  for (int si = 0; si < K; ++si) {
    auto logits = var.step(x, cond, cache);
    if (guided) {
      const double t = guidance(si);
      logits = (1 + t) * logits.slice(0, 0, B) - t * logits.slice(0, B, 2 * B);
    }
    if (o.record_logits) trace.logits.push_back(logits.clone());
    auto idx = sample_top_k_top_p(logits, o.top_k, o.top_p, gen);
    if (editing) idx = torch::where(forced(si), o.keep_tokens[si], idx);
    trace.idx.push_back(idx);
    auto next = vae.add_scale(si, f_hat, idx);
    if (after_scale) after_scale(si, f_hat);
    if (si + 1 < K) {
      x = var.embed_scale(si + 1, next);
      if (guided) x = x.repeat({2, 1, 1});
    }
  }
  trace.f_hat = f_hat;
  trace.image = vae.fhat_to_img(f_hat).add_(1).mul_(0.5);
  return trace;
}

}  // namespace weft::image
