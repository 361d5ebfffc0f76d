#include "image/var_model.h"

#include <torch/torch.h>

#include <limits>

#include "image/var_blocks.h"

namespace weft::image {

VarImpl::VarImpl(const ModelConfig& cfg) : cfg_(cfg) {
  cfg_.validate("transformer");
  const auto& v = cfg_.var;
  const int C = v.width(), K = scales();
  for (int si = 0; si < K; ++si) {
    begin_.push_back(L_);
    L_ += cfg_.scale_tokens(si);
  }
  begin_.push_back(L_);
  first_l_ = v.raster ? 1 : cfg_.scale_tokens(0);

  word_embed_ = register_module("word_embed", torch::nn::Linear(cfg_.vqvae.z_channels, C));
  class_emb_ = register_module("class_emb", torch::nn::Embedding(v.num_classes + 1, C));
  pos_start_ = register_parameter("pos_start", torch::zeros({1, first_l_, C}));
  pos_1LC_ = register_parameter("pos_1LC", torch::zeros({1, L_, C}));
  lvl_embed_ = register_module("lvl_embed", torch::nn::Embedding(K, C));
  if (v.shared_aln) shared_lin_ = register_silu_linear(*this, "shared_ada_lin", C, 6 * C);
  auto blocks = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < v.depth; ++i) {
    blocks_.push_back(std::make_shared<AdaLnBlockImpl>(v));
    blocks->push_back(blocks_.back());
  }
  // Scale id per token; a query sees every key of its own and earlier scales (block-causal).
  auto lvl = torch::empty({1, L_}, torch::kLong);
  for (int si = 0; si < K; ++si) lvl.slice(1, begin_[si], begin_[si + 1]).fill_(si);
  lvl_1L_ = register_buffer("lvl_1L", lvl);
  // Raster order: a token sees itself and every earlier token (the input at t already carries token t−1).
  auto d = cfg_.var.raster ? torch::arange(L_).view({L_, 1}) : lvl.view({L_, 1});
  auto bias = torch::where(d >= d.t(), torch::zeros({}), torch::full({}, -std::numeric_limits<float>::infinity()));
  attn_bias_ = register_buffer("attn_bias_for_masking", bias.reshape({1, 1, L_, L_}).contiguous());
  head_nm_ = register_module("head_nm", std::make_shared<AdaLnHeadImpl>(C, C, v.norm_eps));
  head_ = register_module("head", torch::nn::Linear(C, cfg_.vqvae.vocab_size));
}

torch::Tensor VarImpl::level_pos(int from, int to) {
  return lvl_embed_->forward(lvl_1L_.slice(1, from, to)) + pos_1LC_.slice(1, from, to);
}

torch::Tensor VarImpl::condition(const torch::Tensor& labels) {
  if (labels.numel() > 0 && (labels.min().item<int64_t>() < 0 || labels.max().item<int64_t>() > cfg_.var.num_classes))
    throw Error("class labels must be between 0 and " + std::to_string(cfg_.var.num_classes) +
                    " (" + std::to_string(cfg_.var.num_classes) + " = unconditional)", "transformer");
  return class_emb_->forward(labels);
}

torch::Tensor VarImpl::start_tokens(const torch::Tensor& cond) {
  const auto B = cond.size(0);
  auto sos = cond.unsqueeze(1).expand({B, first_l_, -1}) + pos_start_.expand({B, first_l_, -1});
  return sos + level_pos(0, first_l_);
}

torch::Tensor VarImpl::embed_scale(int si, const torch::Tensor& x_BlCv) { return embed_tokens(begin_[si], x_BlCv); }

torch::Tensor VarImpl::embed_tokens(int from, const torch::Tensor& x_BlCv) {
  return word_embed_->forward(x_BlCv) + level_pos(from, from + static_cast<int>(x_BlCv.size(1)));
}

torch::Tensor VarImpl::run_blocks(torch::Tensor x, const torch::Tensor& cond, const torch::Tensor& attn_bias,
                                  KvCache* cache) {
  const auto block_cond = shared_lin_ ? shared_lin_->forward(torch::silu(cond)).view({-1, 1, 6, cfg_.var.width()}) : cond;
  if (cache && cache->k.size() != blocks_.size()) {
    cache->k.assign(blocks_.size(), {});
    cache->v.assign(blocks_.size(), {});
  }
  for (size_t i = 0; i < blocks_.size(); ++i)
    x = blocks_[i]->forward(x, block_cond, attn_bias, cache ? &cache->k[i] : nullptr, cache ? &cache->v[i] : nullptr);
  return head_->forward(head_nm_->forward(x, cond));
}

torch::Tensor VarImpl::forward(const torch::Tensor& labels, const torch::Tensor& x_BLCv_wo_first_l) {
  const auto B = labels.size(0);
  if (x_BLCv_wo_first_l.dim() != 3 || x_BLCv_wo_first_l.size(0) != B || x_BLCv_wo_first_l.size(1) != L_ - first_l_ ||
      x_BLCv_wo_first_l.size(2) != cfg_.vqvae.z_channels)
    throw Error("teacher-forcing input must be [B, " + std::to_string(L_ - first_l_) + ", " +
                    std::to_string(cfg_.vqvae.z_channels) + "]", "transformer");
  const auto cond = condition(labels);
  auto sos = cond.unsqueeze(1).expand({B, first_l_, -1}) + pos_start_.expand({B, first_l_, -1});
  auto x = torch::cat({sos, word_embed_->forward(x_BLCv_wo_first_l)}, 1);
  x += level_pos(0, L_);
  return run_blocks(x, cond, attn_bias_, nullptr);
}

torch::Tensor VarImpl::step(const torch::Tensor& x_BlC, const torch::Tensor& cond, KvCache& cache) {
  return run_blocks(x_BlC, cond, {}, &cache);
}

}  // namespace weft::image
