#pragma once
// Building blocks of the VAR transformer (official basic_var.py semantics, own code): attention with
// L2-normalised q/k and a KV cache, GELU(tanh) FFN, AdaLN block, AdaLN before the head.
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include "image/model_config.h"

namespace weft::image {

class SelfAttentionImpl : public torch::nn::Module {
 public:
  SelfAttentionImpl(int C, int heads, bool l2_norm);
  // attn_bias may be undefined (sampling); k_cache/v_cache may be null (no caching).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& attn_bias, torch::Tensor* k_cache,
                        torch::Tensor* v_cache);

 private:
  int C_, H_;
  bool l2_norm_;
  torch::nn::Linear mat_qkv_{nullptr}, proj_{nullptr};
  torch::Tensor q_bias_, v_bias_, zero_k_bias_, scale_mul_;
};

class AdaLnBlockImpl : public torch::nn::Module {
 public:
  AdaLnBlockImpl(const VarConfig& c);
  // cond: (B, D) class condition, or with shared_aln the shared (B, 1, 6, C) modulation.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cond, const torch::Tensor& attn_bias,
                        torch::Tensor* k_cache, torch::Tensor* v_cache);

 private:
  int C_;
  double eps_;
  bool shared_aln_;
  std::shared_ptr<SelfAttentionImpl> attn_;
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr}, ada_lin_{nullptr};
  torch::Tensor ada_gss_;
};

class AdaLnHeadImpl : public torch::nn::Module {
 public:
  AdaLnHeadImpl(int C, int D, double eps);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cond);

 private:
  int C_;
  double eps_;
  torch::nn::Linear ada_lin_{nullptr};
};

// "SiLU → Linear" registered as a Sequential so the Linear is named "<name>.1", as in the official state dict.
torch::nn::Linear register_silu_linear(torch::nn::Module& parent, const char* name, int in, int out);

}  // namespace weft::image
