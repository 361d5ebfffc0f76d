#include "image/vqvae.h"

#include <torch/torch.h>

#include <cmath>

#include "common/tensor_record.h"
#include "image/vae_blocks.h"

namespace weft::image {
namespace {

torch::Tensor bicubic_up(const torch::Tensor& x, int64_t n) { return at::upsample_bicubic2d(x, {n, n}, false); }

// Video latents are (B, C, T, h, w); per-frame 2D operations see them as (B·T, C, h, w).
torch::Tensor fold_time(const torch::Tensor& x) {
  return x.transpose(1, 2).reshape({x.size(0) * x.size(2), x.size(1), x.size(3), x.size(4)});
}
torch::Tensor unfold_time(const torch::Tensor& x, int64_t B) {
  return x.view({B, x.size(0) / B, x.size(1), x.size(2), x.size(3)}).transpose(1, 2).contiguous();
}
// (B, C, …) → (B, tokens, C), tokens in (t, h, w) order.
torch::Tensor to_tokens(const torch::Tensor& x) { return x.reshape({x.size(0), x.size(1), -1}).transpose(1, 2); }

// The encoder and decoder see one latent frame at a time: frame_group frames stacked in the channels.
VqvaeConfig frame_stack_config(const ModelConfig& cfg) {
  VqvaeConfig c = cfg.vqvae;
  if (cfg.is_video()) c.in_channels *= cfg.video.frame_group;
  return c;
}

}  // namespace

VqvaeImpl::VqvaeImpl(const ModelConfig& cfg) : cfg_(cfg) {
  cfg_.validate("tokenizer");
  const auto& c = cfg_.vqvae;
  encoder_ = register_module("encoder", std::make_shared<EncoderImpl>(frame_stack_config(cfg_)));
  decoder_ = register_module("decoder", std::make_shared<DecoderImpl>(frame_stack_config(cfg_)));
  const int ks = c.quant_conv_ks;
  auto opts = torch::nn::Conv2dOptions(c.z_channels, c.z_channels, ks).padding(ks / 2);
  quant_conv_ = register_module("quant_conv", torch::nn::Conv2d(opts));
  post_quant_conv_ = register_module("post_quant_conv", torch::nn::Conv2d(opts));

  auto quantize = register_module("quantize", std::make_shared<torch::nn::Module>());
  embedding_ = quantize->register_module("embedding", torch::nn::Embedding(c.vocab_size, c.z_channels));
  // Code-usage statistics of tokenizer training; kept so official checkpoints load strictly.
  vocab_hits_ = quantize->register_buffer("ema_vocab_hit_SV", torch::zeros({scales(), c.vocab_size}));
  // φ convs as the official Phi* classes: share_quant_resi 1 → PhiShared ("quant_resi.qresi"), 0 → PhiNonShared
  // (one per scale, "quant_resi.N"), K > 1 → PhiPartiallyShared ("quant_resi.qresi_ls.N"). A zero ratio means
  // nn.Identity there: no convs, φ(h) = h.
  const int share = c.share_quant_resi;
  const int K = share == 0 ? scales() : share;
  if (std::abs(c.quant_resi) > 1e-6)
    for (int i = 0; i < K; ++i) phis_.emplace_back(torch::nn::Conv2dOptions(c.z_channels, c.z_channels, 3).padding(1));
  if (share == 0) {
    auto list = quantize->register_module("quant_resi", torch::nn::ModuleList());
    for (auto& p : phis_) list->push_back(p);
  } else {
    auto resi = quantize->register_module("quant_resi", std::make_shared<torch::nn::Module>());
    if (share == 1 && !phis_.empty()) resi->register_module("qresi", phis_[0]);
    if (share > 1) {
      auto list = resi->register_module("qresi_ls", torch::nn::ModuleList());
      for (auto& p : phis_) list->push_back(p);
    }
  }
  if (K == 1) {
    ticks_ = {0.0};
  } else {
    // Same float64 arithmetic as numpy.linspace, so exact ties resolve as in the official code.
    const double start = K == 4 ? 1.0 / 3 / K : 1.0 / 2 / K;
    const double stop = K == 4 ? 1 - 1.0 / 3 / K : 1 - 1.0 / 2 / K;
    const double step = (stop - start) / (K - 1);
    for (int i = 0; i < K; ++i) ticks_.push_back(i == K - 1 ? stop : i * step + start);
  }
}

int VqvaeImpl::phi_index(int si) const {
  const int K = scales();
  const double at = K > 1 ? double(si) / double(K - 1) : 0.0;
  int best = 0;
  for (int i = 1; i < static_cast<int>(ticks_.size()); ++i)
    if (std::abs(ticks_[i] - at) < std::abs(ticks_[best] - at)) best = i;  // first minimum, like argmin
  return best;
}

torch::Tensor VqvaeImpl::phi(int si, const torch::Tensor& h) {
  if (phis_.empty()) return h;
  const double r = std::abs(cfg_.vqvae.quant_resi);
  auto& conv = phis_[phi_index(si)];
  if (h.dim() == 5) return h * (1 - r) + unfold_time(conv->forward(fold_time(h)), h.size(0)).mul_(r);
  return h * (1 - r) + conv->forward(h).mul_(r);
}

std::vector<int64_t> VqvaeImpl::scale_shape(int64_t B, int si) const {
  const int64_t pn = si < 0 ? latent_size() : cfg_.patch_nums[si];
  if (!cfg_.is_video()) return {B, cfg_.vqvae.z_channels, pn, pn};
  const int64_t t = si < 0 ? cfg_.video.latent_frames() : cfg_.video.time_nums[si];
  return {B, cfg_.vqvae.z_channels, t, pn, pn};
}

torch::Tensor VqvaeImpl::zero_fhat(int64_t B) const { return torch::zeros(scale_shape(B, -1)); }

torch::Tensor VqvaeImpl::area_down(const torch::Tensor& x, int si) const {
  const int64_t pn = cfg_.patch_nums[si];
  if (x.dim() == 5) return at::adaptive_avg_pool3d(x, {cfg_.video.time_nums[si], pn, pn});
  return at::adaptive_avg_pool2d(x, {pn, pn});
}

// Scale codes → full latent size: bicubic in space (as the official quantizer), linear in time.
torch::Tensor VqvaeImpl::upsample(const torch::Tensor& h) const {
  const int64_t H = latent_size();
  if (h.dim() == 4) return bicubic_up(h, H);
  const int64_t B = h.size(0), T = cfg_.video.latent_frames();
  auto x = h.size(3) == H ? h : unfold_time(bicubic_up(fold_time(h), H), B);
  if (x.size(2) != T) x = at::upsample_trilinear3d(x, {T, H, H}, false);
  return x.contiguous();
}

torch::Tensor VqvaeImpl::embed_scale(const torch::Tensor& idx_Bl, int si) {
  // Token maps can come from users (editing, saved token files): check them rather than let the lookup fail.
  const auto V = cfg_.vqvae.vocab_size;
  const int64_t n = cfg_.scale_tokens(si);
  if (idx_Bl.dim() != 2 || idx_Bl.size(1) != n || idx_Bl.scalar_type() != torch::kLong)
    throw Error("scale " + std::to_string(si + 1) + " needs int64 tokens of shape [B, " + std::to_string(n) + "]",
                "tokenizer");
  if (idx_Bl.numel() > 0 && (idx_Bl.min().item<int64_t>() < 0 || idx_Bl.max().item<int64_t>() >= V))
    throw Error("token out of range: the codebook has " + std::to_string(V) + " entries", "tokenizer");
  return embed_codes(idx_Bl, si);
}

torch::Tensor VqvaeImpl::embed_codes(const torch::Tensor& idx, int si) {
  const auto B = idx.size(0);
  return embedding_->forward(idx.view({B, -1})).transpose(1, 2).reshape(scale_shape(B, si));
}

torch::Tensor VqvaeImpl::encoder_out(const torch::Tensor& img) {
  const int s = cfg_.image_size(), c = cfg_.vqvae.in_channels;
  const auto shape = shape_string(std::vector<int64_t>(img.sizes().begin(), img.sizes().end()));
  if (cfg_.is_video()) {
    const int T = cfg_.video.frames, g = cfg_.video.frame_group;
    if (img.dim() != 5 || img.size(1) != T || img.size(2) != c || img.size(3) != s || img.size(4) != s)
      throw Error("clip tensor has shape " + shape + ", the tokenizer expects [B, " + std::to_string(T) + ", " +
                      std::to_string(c) + ", " + std::to_string(s) + ", " + std::to_string(s) + "]", "tokenizer");
    return encoder_->forward(img.reshape({img.size(0) * (T / g), g * c, s, s}));
  }
  if (img.dim() != 4 || img.size(1) != c || img.size(2) != s || img.size(3) != s)
    throw Error("image tensor has shape " + shape + ", the tokenizer expects [B, " + std::to_string(c) + ", " +
                    std::to_string(s) + ", " + std::to_string(s) + "]",
                "tokenizer");
  return encoder_->forward(img);
}

torch::Tensor VqvaeImpl::features(const torch::Tensor& img) {
  auto f = quant_conv_->forward(encoder_out(img));
  return cfg_.is_video() ? unfold_time(f, img.size(0)) : f;
}

std::vector<torch::Tensor> VqvaeImpl::quantize(const torch::Tensor& f, bool want_fhat) {
  torch::NoGradGuard no_grad;
  if (f.sizes() != at::IntArrayRef(scale_shape(f.size(0), -1)))
    throw Error("latent has the wrong shape for this tokenizer", "tokenizer");
  const auto B = f.size(0), C = f.size(1);
  auto f_rest = f.detach().clone();
  auto f_hat = torch::zeros_like(f_rest);
  const auto& E = embedding_->weight;
  const auto e_sq = E.square().sum(1);
  std::vector<torch::Tensor> out;
  const int K = scales();
  for (int si = 0; si < K; ++si) {
    const bool last = si == K - 1;
    auto z = to_tokens(last ? f_rest : area_down(f_rest, si)).reshape({-1, C});
    // |z|² + |e|² − 2 z·eᵀ, accumulated in the same order as the official addmm_ so near-ties agree.
    auto d = z.square().sum(1, true) + e_sq;
    d.addmm_(z, E.t(), /*beta=*/1, /*alpha=*/-2);
    auto idx = d.argmin(1);
    auto h = embed_codes(idx.view({B, -1}), si);
    if (!last) h = upsample(h);
    h = phi(si, h);
    f_hat.add_(h);
    f_rest.sub_(h);
    out.push_back(want_fhat ? f_hat.clone() : idx.reshape({B, -1}));
  }
  return out;
}

std::vector<torch::Tensor> VqvaeImpl::f_to_idx(const torch::Tensor& f) { return quantize(f, false); }
std::vector<torch::Tensor> VqvaeImpl::f_to_fhat(const torch::Tensor& f) { return quantize(f, true); }

torch::Tensor VqvaeImpl::idx_to_var_input(const std::vector<torch::Tensor>& idx) {
  torch::NoGradGuard no_grad;
  const int K = scales();
  if (static_cast<int>(idx.size()) != K) throw Error("expected one index map per scale", "tokenizer");
  const auto B = idx[0].size(0);
  auto f_hat = zero_fhat(B);
  std::vector<torch::Tensor> next;
  for (int si = 0; si + 1 < K; ++si) {
    f_hat.add_(phi(si, upsample(embed_scale(idx[si], si))));
    next.push_back(to_tokens(area_down(f_hat, si + 1)));
  }
  if (next.empty()) return torch::zeros({B, 0, cfg_.vqvae.z_channels});
  return torch::cat(next, 1);
}

std::vector<torch::Tensor> VqvaeImpl::idx_to_fhat(const std::vector<torch::Tensor>& idx) {
  torch::NoGradGuard no_grad;
  const int K = scales();
  if (static_cast<int>(idx.size()) != K) throw Error("expected one index map per scale", "tokenizer");
  auto f_hat = zero_fhat(idx[0].size(0));
  std::vector<torch::Tensor> out;
  for (int si = 0; si < K; ++si) {
    add_scale(si, f_hat, idx[si]);
    out.push_back(f_hat.clone());
  }
  return out;
}

torch::Tensor VqvaeImpl::add_scale(int si, torch::Tensor& f_hat, const torch::Tensor& idx_Bl) {
  const int K = scales();
  if (si < 0 || si >= K) throw Error("scale " + std::to_string(si) + " does not exist", "tokenizer");
  auto h = embed_scale(idx_Bl, si);
  if (si != K - 1) h = upsample(h);
  f_hat.add_(phi(si, h));
  if (si == K - 1) return {};
  return to_tokens(area_down(f_hat, si + 1));
}

torch::Tensor VqvaeImpl::decode(const torch::Tensor& f) {
  if (!cfg_.is_video()) return decoder_->forward(post_quant_conv_->forward(f));
  const auto B = f.size(0);
  auto frames = decoder_->forward(post_quant_conv_->forward(fold_time(f)));  // (B·T', g·c, S, S)
  const int s = cfg_.image_size();
  return frames.reshape({B, cfg_.video.frames, cfg_.vqvae.in_channels, s, s});
}

torch::Tensor VqvaeImpl::fhat_to_img(const torch::Tensor& f_hat) {
  torch::NoGradGuard no_grad;
  return decode(f_hat).clamp_(-1, 1);
}

VqvaeImpl::TrainPass VqvaeImpl::train_pass(const torch::Tensor& img, double beta) {
  auto f = features(img);
  const auto B = f.size(0), C = f.size(1);
  const auto f_ng = f.detach();
  auto f_rest = f_ng.clone();
  torch::Tensor f_hat = torch::zeros_like(f_ng);
  TrainPass out;
  out.vq_loss = torch::zeros({});
  out.hits = torch::zeros({cfg_.vqvae.vocab_size});
  const int K = scales();
  for (int si = 0; si < K; ++si) {
    const bool last = si == K - 1;
    torch::Tensor idx;
    {
      torch::NoGradGuard no_grad;
      const auto& E = embedding_->weight;
      auto z = to_tokens(last ? f_rest : area_down(f_rest, si)).reshape({-1, C});
      auto d = z.square().sum(1, true) + E.square().sum(1);
      d.addmm_(z, E.t(), 1, -2);
      idx = d.argmin(1);
      auto hit = torch::bincount(idx, {}, cfg_.vqvae.vocab_size).to(torch::kFloat);
      out.hits += hit;
      if (is_training()) vocab_hits_[si].mul_(0.97).add_(hit.div(std::max<int64_t>(1, idx.numel())).mul(0.03));
      if (last) out.residuals = z.clone();
    }
    auto h = embed_codes(idx.view({B, -1}), si);
    if (!last) h = upsample(h);
    h = phi(si, h.contiguous());
    f_hat = f_hat + h;
    f_rest = f_rest - h.detach();
    out.vq_loss = out.vq_loss + torch::mse_loss(f_hat.detach(), f).mul(beta) + torch::mse_loss(f_hat, f_ng);
  }
  out.vq_loss = out.vq_loss / K;
  auto f_st = (f_hat.detach() - f_ng) + f;  // straight-through: decoder gradient reaches the encoder
  out.reconstruction = decode(f_st);
  return out;
}

}  // namespace weft::image
