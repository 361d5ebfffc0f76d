#include "image/vqvae.h"

#include <torch/torch.h>

#include <cmath>

#include "common/tensor_record.h"
#include "image/vae_blocks.h"

namespace weft::image {
namespace {

torch::Tensor area_down(const torch::Tensor& x, int64_t pn) { return at::adaptive_avg_pool2d(x, {pn, pn}); }
torch::Tensor bicubic_up(const torch::Tensor& x, int64_t n) { return at::upsample_bicubic2d(x, {n, n}, false); }

}  // namespace

VqvaeImpl::VqvaeImpl(const ModelConfig& cfg) : cfg_(cfg) {
  cfg_.validate("tokenizer");
  const auto& c = cfg_.vqvae;
  encoder_ = register_module("encoder", std::make_shared<EncoderImpl>(c));
  decoder_ = register_module("decoder", std::make_shared<DecoderImpl>(c));
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
  return h * (1 - r) + phis_[phi_index(si)]->forward(h).mul_(r);
}

torch::Tensor VqvaeImpl::embed_scale(const torch::Tensor& idx_Bl, int pn) {
  // Token maps can come from users (editing, saved token files): check them rather than let the lookup fail.
  const auto V = cfg_.vqvae.vocab_size;
  if (idx_Bl.dim() != 2 || idx_Bl.size(1) != int64_t(pn) * pn || idx_Bl.scalar_type() != torch::kLong)
    throw Error("a " + std::to_string(pn) + "x" + std::to_string(pn) + " scale needs int64 tokens of shape [B, " +
                    std::to_string(pn * pn) + "]", "tokenizer");
  if (idx_Bl.numel() > 0 && (idx_Bl.min().item<int64_t>() < 0 || idx_Bl.max().item<int64_t>() >= V))
    throw Error("token out of range: the codebook has " + std::to_string(V) + " entries", "tokenizer");
  const auto B = idx_Bl.size(0);
  return embedding_->forward(idx_Bl).transpose(1, 2).reshape({B, cfg_.vqvae.z_channels, pn, pn});
}

torch::Tensor VqvaeImpl::encoder_out(const torch::Tensor& img) {
  const int s = cfg_.image_size();
  if (img.dim() != 4 || img.size(1) != cfg_.vqvae.in_channels || img.size(2) != s || img.size(3) != s)
    throw Error("image tensor has shape " + shape_string(std::vector<int64_t>(img.sizes().begin(), img.sizes().end())) +
                    ", the tokenizer expects [B, " + std::to_string(cfg_.vqvae.in_channels) + ", " +
                    std::to_string(s) + ", " + std::to_string(s) + "]",
                "tokenizer");
  return encoder_->forward(img);
}

torch::Tensor VqvaeImpl::features(const torch::Tensor& img) { return quant_conv_->forward(encoder_out(img)); }

std::vector<torch::Tensor> VqvaeImpl::quantize(const torch::Tensor& f, bool want_fhat) {
  torch::NoGradGuard no_grad;
  if (f.dim() != 4 || f.size(1) != cfg_.vqvae.z_channels || f.size(2) != latent_size() || f.size(3) != latent_size())
    throw Error("latent has the wrong shape for this tokenizer", "tokenizer");
  const auto B = f.size(0), C = f.size(1), H = f.size(2);
  auto f_rest = f.detach().clone();
  auto f_hat = torch::zeros_like(f_rest);
  const auto& E = embedding_->weight;
  const auto e_sq = E.square().sum(1);
  std::vector<torch::Tensor> out;
  const int K = scales();
  for (int si = 0; si < K; ++si) {
    const int pn = cfg_.patch_nums[si];
    const bool last = si == K - 1;
    auto z = (last ? f_rest : area_down(f_rest, pn)).permute({0, 2, 3, 1}).reshape({-1, C});
    // |z|² + |e|² − 2 z·eᵀ, accumulated in the same order as the official addmm_ so near-ties agree.
    auto d = z.square().sum(1, true) + e_sq;
    d.addmm_(z, E.t(), /*beta=*/1, /*alpha=*/-2);
    auto idx = d.argmin(1);
    auto h = embedding_->forward(idx.view({B, pn, pn})).permute({0, 3, 1, 2}).contiguous();
    if (!last) h = bicubic_up(h, H).contiguous();
    h = phi(si, h);
    f_hat.add_(h);
    f_rest.sub_(h);
    out.push_back(want_fhat ? f_hat.clone() : idx.reshape({B, pn * pn}));
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
  const int H = latent_size();
  auto f_hat = torch::zeros({B, cfg_.vqvae.z_channels, H, H});
  std::vector<torch::Tensor> next;
  for (int si = 0; si + 1 < K; ++si) {
    f_hat.add_(phi(si, bicubic_up(embed_scale(idx[si], cfg_.patch_nums[si]), H)));
    const int pn = cfg_.patch_nums[si + 1];
    next.push_back(area_down(f_hat, pn).reshape({B, cfg_.vqvae.z_channels, -1}).transpose(1, 2));
  }
  if (next.empty()) return torch::zeros({B, 0, cfg_.vqvae.z_channels});
  return torch::cat(next, 1);
}

std::vector<torch::Tensor> VqvaeImpl::idx_to_fhat(const std::vector<torch::Tensor>& idx) {
  torch::NoGradGuard no_grad;
  const int K = scales();
  if (static_cast<int>(idx.size()) != K) throw Error("expected one index map per scale", "tokenizer");
  auto f_hat = torch::zeros({idx[0].size(0), cfg_.vqvae.z_channels, latent_size(), latent_size()});
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
  auto h = embed_scale(idx_Bl, cfg_.patch_nums[si]);
  if (si != K - 1) h = bicubic_up(h, latent_size());
  f_hat.add_(phi(si, h));
  if (si == K - 1) return {};
  const auto B = f_hat.size(0);
  return area_down(f_hat, cfg_.patch_nums[si + 1]).reshape({B, cfg_.vqvae.z_channels, -1}).transpose(1, 2);
}

torch::Tensor VqvaeImpl::fhat_to_img(const torch::Tensor& f_hat) {
  torch::NoGradGuard no_grad;
  return decoder_->forward(post_quant_conv_->forward(f_hat)).clamp_(-1, 1);
}

VqvaeImpl::TrainPass VqvaeImpl::train_pass(const torch::Tensor& img, double beta) {
  auto f = features(img);
  const auto B = f.size(0), C = f.size(1), H = f.size(2);
  const auto f_ng = f.detach();
  auto f_rest = f_ng.clone();
  torch::Tensor f_hat = torch::zeros_like(f_ng);
  TrainPass out;
  out.vq_loss = torch::zeros({});
  out.hits = torch::zeros({cfg_.vqvae.vocab_size});
  const int K = scales();
  for (int si = 0; si < K; ++si) {
    const int pn = cfg_.patch_nums[si];
    const bool last = si == K - 1;
    torch::Tensor idx;
    {
      torch::NoGradGuard no_grad;
      const auto& E = embedding_->weight;
      auto z = (last ? f_rest : area_down(f_rest, pn)).permute({0, 2, 3, 1}).reshape({-1, C});
      auto d = z.square().sum(1, true) + E.square().sum(1);
      d.addmm_(z, E.t(), 1, -2);
      idx = d.argmin(1);
      auto hit = torch::bincount(idx, {}, cfg_.vqvae.vocab_size).to(torch::kFloat);
      out.hits += hit;
      if (is_training()) vocab_hits_[si].mul_(0.97).add_(hit.div(std::max<int64_t>(1, idx.numel())).mul(0.03));
      if (last) out.residuals = z.clone();
    }
    auto h = embedding_->forward(idx.view({B, pn, pn})).permute({0, 3, 1, 2});
    if (!last) h = bicubic_up(h.contiguous(), H);
    h = phi(si, h.contiguous());
    f_hat = f_hat + h;
    f_rest = f_rest - h.detach();
    out.vq_loss = out.vq_loss + torch::mse_loss(f_hat.detach(), f).mul(beta) + torch::mse_loss(f_hat, f_ng);
  }
  out.vq_loss = out.vq_loss / K;
  auto f_st = (f_hat.detach() - f_ng) + f;  // straight-through: decoder gradient reaches the encoder
  out.reconstruction = decoder_->forward(post_quant_conv_->forward(f_st));
  return out;
}

}  // namespace weft::image
