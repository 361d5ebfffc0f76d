#include "image/var_blocks.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace weft::image {

namespace nn = torch::nn;

nn::Linear register_silu_linear(nn::Module& parent, const char* name, int in, int out) {
  nn::Linear lin(in, out);
  parent.register_module(name, nn::Sequential(nn::SiLU(), lin));
  return lin;
}

SelfAttentionImpl::SelfAttentionImpl(int C, int heads, bool l2_norm) : C_(C), H_(heads), l2_norm_(l2_norm) {
  // The key bias is a fixed zero buffer: a bias on k shifts every logit of a row equally, so it is not learned.
  mat_qkv_ = register_module("mat_qkv", nn::Linear(nn::LinearOptions(C, 3 * C).bias(false)));
  q_bias_ = register_parameter("q_bias", torch::zeros({C}));
  v_bias_ = register_parameter("v_bias", torch::zeros({C}));
  zero_k_bias_ = register_buffer("zero_k_bias", torch::zeros({C}));
  if (l2_norm) scale_mul_ = register_parameter("scale_mul_1H11", torch::full({1, heads, 1, 1}, std::log(4.0)));
  proj_ = register_module("proj", nn::Linear(C, C));
}

torch::Tensor SelfAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& attn_bias,
                                         torch::Tensor* k_cache, torch::Tensor* v_cache) {
  const auto B = x.size(0), L = x.size(1);
  const int hd = C_ / H_;
  auto bias = torch::cat({q_bias_, zero_k_bias_, v_bias_});
  auto qkv = torch::nn::functional::linear(x, mat_qkv_->weight, bias).view({B, L, 3, H_, hd});
  auto parts = qkv.permute({2, 0, 3, 1, 4}).unbind(0);  // each (B, H, L, hd)
  auto q = parts[0], k = parts[1], v = parts[2];
  double scale = 0.25 / std::sqrt(double(hd));
  if (l2_norm_) {
    // Cosine attention: the learned per-head temperature is capped at 100 so logits stay bounded.
    const float max_log = std::log(100.0f);
    auto mul = scale_mul_.clamp_max(max_log).exp();
    namespace F = torch::nn::functional;
    q = F::normalize(q, F::NormalizeFuncOptions().dim(-1)).mul(mul);
    k = F::normalize(k, F::NormalizeFuncOptions().dim(-1));
    scale = 1.0;
  }
  if (k_cache) {
    if (k_cache->defined()) {
      k = *k_cache = torch::cat({*k_cache, k}, 2);
      v = *v_cache = torch::cat({*v_cache, v}, 2);
    } else {
      *k_cache = k;
      *v_cache = v;
    }
  }
  auto att = torch::matmul(scale == 1.0 ? q : q.mul(scale), k.transpose(-2, -1));
  if (attn_bias.defined()) att.add_(attn_bias);
  auto out = torch::matmul(att.softmax(-1), v).transpose(1, 2).reshape({B, L, C_});
  return proj_->forward(out);
}

AdaLnBlockImpl::AdaLnBlockImpl(const VarConfig& c) : C_(c.width()), eps_(c.norm_eps), shared_aln_(c.shared_aln) {
  attn_ = register_module("attn", std::make_shared<SelfAttentionImpl>(C_, c.heads(), c.attn_l2_norm));
  auto ffn = register_module("ffn", std::make_shared<nn::Module>());
  const int hidden = static_cast<int>(std::lround(C_ * c.mlp_ratio));
  fc1_ = ffn->register_module("fc1", nn::Linear(C_, hidden));
  fc2_ = ffn->register_module("fc2", nn::Linear(hidden, C_));
  if (shared_aln_)
    ada_gss_ = register_parameter("ada_gss", torch::randn({1, 1, 6, C_}) / std::sqrt(double(C_)));
  else
    ada_lin_ = register_silu_linear(*this, "ada_lin", C_, 6 * C_);
}

torch::Tensor AdaLnBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& cond, const torch::Tensor& attn_bias,
                                      torch::Tensor* k_cache, torch::Tensor* v_cache) {
  auto mod = shared_aln_ ? (ada_gss_ + cond) : ada_lin_->forward(torch::silu(cond)).view({-1, 1, 6, C_});
  auto m = mod.unbind(2);  // γ1, γ2, scale1, scale2, shift1, shift2
  auto ln = [&](const torch::Tensor& t) { return torch::layer_norm(t, {C_}, {}, {}, eps_); };
  auto h = x + attn_->forward(ln(x).mul(m[2].add(1)).add_(m[4]), attn_bias, k_cache, v_cache).mul(m[0]);
  auto f = fc2_->forward(torch::gelu(fc1_->forward(ln(h).mul(m[3].add(1)).add_(m[5])), "tanh"));
  return h + f.mul(m[1]);
}

AdaLnHeadImpl::AdaLnHeadImpl(int C, int D, double eps) : C_(C), eps_(eps) {
  ada_lin_ = register_silu_linear(*this, "ada_lin", D, 2 * C);
}

torch::Tensor AdaLnHeadImpl::forward(const torch::Tensor& x, const torch::Tensor& cond) {
  auto m = ada_lin_->forward(torch::silu(cond)).view({-1, 1, 2, C_}).unbind(2);  // scale, shift
  return torch::layer_norm(x, {C_}, {}, {}, eps_).mul(m[0].add(1)).add_(m[1]);
}

}  // namespace weft::image
