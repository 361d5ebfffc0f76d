#pragma once
// The VAR transformer: class embedding as start token and AdaLN condition, learned positions + per-scale level
// embedding, AdaLN self-attention blocks with L2-normalised q/k and a learned per-head scale, block-causal mask,
// AdaLN head. Names mirror the official state dict (word_embed, class_emb, pos_start, pos_1LC, lvl_embed,
// blocks.N.{attn,ffn,ada_lin}, head_nm, head; buffers lvl_1L, attn_bias_for_masking).
#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>

#include <memory>
#include <utility>
#include <vector>

#include "image/model_config.h"

namespace weft::image {

class AdaLnBlockImpl;
class AdaLnHeadImpl;

// Keys and values of every block for the tokens seen so far, so each sampling step runs only the new scale.
struct KvCache {
  std::vector<torch::Tensor> k, v;  // per block: (B, H, tokens so far, head_dim)
};

class VarImpl : public torch::nn::Module {
 public:
  explicit VarImpl(const ModelConfig& cfg);

  const ModelConfig& config() const { return cfg_; }
  int scales() const { return static_cast<int>(cfg_.patch_nums.size()); }
  int tokens() const { return L_; }
  int scale_begin(int si) const { return begin_[si]; }  // first token of scale si in the L-long sequence

  // Teacher forcing: labels (B) int64, x = idx_to_var_input(...) (B, L − pn₀², Cvae) → logits (B, L, V).
  // Raster models take the codes of tokens 0 … L−2 instead (raster_input).
  torch::Tensor forward(const torch::Tensor& labels, const torch::Tensor& x_BLCv_wo_first_l);

  // Pieces of cached sampling. cond = class_emb(labels) (B, C); labels equal to num_classes are unconditional.
  torch::Tensor condition(const torch::Tensor& labels);
  torch::Tensor start_tokens(const torch::Tensor& cond);                 // scale 0 input (B, pn₀², C)
  torch::Tensor embed_scale(int si, const torch::Tensor& x_BlCv);        // scale si ≥ 1 input from f̂ features
  torch::Tensor embed_tokens(int from, const torch::Tensor& x_BlCv);     // inputs of tokens [from, from + l)
  // Runs the tokens of the next scale through all blocks, appending to `cache`; returns logits (B, l, V).
  torch::Tensor step(const torch::Tensor& x_BlC, const torch::Tensor& cond, KvCache& cache);

 private:
  torch::Tensor run_blocks(torch::Tensor x, const torch::Tensor& cond, const torch::Tensor& attn_bias, KvCache* cache);
  torch::Tensor level_pos(int from, int to);  // lvl_embed(lvl_1L) + pos_1LC over tokens [from, to)

  ModelConfig cfg_;
  int L_ = 0, first_l_ = 0;
  std::vector<int> begin_;
  torch::nn::Linear word_embed_{nullptr}, head_{nullptr};
  torch::nn::Embedding class_emb_{nullptr}, lvl_embed_{nullptr};
  torch::Tensor pos_start_, pos_1LC_, lvl_1L_, attn_bias_;
  torch::nn::Linear shared_lin_{nullptr};  // "shared_ada_lin.1", only with shared_aln
  std::vector<std::shared_ptr<AdaLnBlockImpl>> blocks_;
  std::shared_ptr<AdaLnHeadImpl> head_nm_;
};
TORCH_MODULE(Var);

}  // namespace weft::image
