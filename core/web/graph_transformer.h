#pragma once
// The paper's "Model 3": an autoregressive transformer that writes a web one node row at a time (official
// GraphDiffusion/transformer.py `GraphWebTransformer` with predict_distance_matrix=True; own code, same math).
// A row is [x, y, z, a_0 … a_{L−1}] (pred_dim = 3 + max_length): the node's normalised position and its adjacency
// row (a_j = 1 when the node lists node j). The 7 target properties are 7 condition tokens (Linear(1→E) + GELU,
// concatenated with a sinusoidal position code) that every layer reads by cross-attention; a learned null key lets
// a layer attend to nothing, which is how a dropped condition (classifier-free guidance) looks.
// Parameter and buffer names equal the official state-dict keys, so an official checkpoint loads strictly.
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "common/json_io.h"

namespace weft::web {

struct GraphTransformerConfig {
  int dim = 128;
  int depth = 4;
  int dim_head = 32;
  int heads = 4;
  int ff_mult = 4;
  int max_length = 64;             // nodes per web (rows); a row is 3 + max_length wide
  int text_embed_dim = 32;         // per condition token, before the position code is appended
  int embed_dim_position = 32;     // sinusoidal code of the condition token's index
  int pos_fourier_graph_dim = 67;  // sinusoidal code of the row index appended to every row (official: 67)
  int max_text_len = 7;            // condition tokens
  double cond_drop_prob = 0.25;    // training: chance that a sample's conditions are all dropped

  int pred_dim() const { return 3 + max_length; }
  int context_dim() const { return text_embed_dim + embed_dim_position; }
  Json to_json() const;
  static GraphTransformerConfig from_json(const Json&, const std::string& where);  // validates; Error names the key
  static GraphTransformerConfig paper();  // the Model 3 notebook: dim 512, 12 layers, 16 heads × 64
};

// One layer's multi-query attention (one shared key = value head, as the official code): LayerNorm → q (heads),
// kv (one head), null kv prepended, softmax, Linear → LayerNorm.
class GraphAttentionImpl : public torch::nn::Module {
 public:
  GraphAttentionImpl(int dim, int context_dim, int dim_head, int heads);
  // x [B, N, dim]; context [B, M, context_dim] or undefined (self-attention over the normed x, causal);
  // keep [B] bool, false = all context tokens masked (only the null key remains).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context, const torch::Tensor& keep);
  // Incremental self-attention for one new position x [B, 1, dim]: appends its key to `cache` [B, n, dim_head].
  torch::Tensor step_self(const torch::Tensor& x, torch::Tensor& cache);
  // Cross-attention of one position against keys precomputed by cross_keys (null + context) and their mask.
  torch::Tensor step_cross(const torch::Tensor& x, const torch::Tensor& keys, const torch::Tensor& mask);
  torch::Tensor cross_keys(const torch::Tensor& context);                      // [B, 1 + M, dim_head]
  static torch::Tensor cross_mask(const torch::Tensor& keep, int64_t tokens);  // [B, 1, 1, 1 + M] bool

 private:
  // q from the normed x, keys = values (null first); mask broadcastable to [B, heads, N, keys] (true = visible).
  torch::Tensor attend(const torch::Tensor& normed_x, const torch::Tensor& keys, const torch::Tensor& mask);
  torch::Tensor with_null(const torch::Tensor& kv) const;

  int heads_, dim_head_;
  double scale_;
  torch::Tensor null_kv_, norm_gamma_, norm_beta_, out_gamma_, out_beta_;
  torch::nn::Linear to_q_{nullptr}, to_kv_{nullptr}, to_out_{nullptr};
};
TORCH_MODULE(GraphAttention);

class GraphTransformerImpl : public torch::nn::Module {
 public:
  explicit GraphTransformerImpl(const GraphTransformerConfig&);
  const GraphTransformerConfig& config() const { return cfg_; }

  // cond [B, 7] normalised targets; keep [B] bool; rows [B, L, pred_dim] with L < max_length + 1.
  // Returns [B, L + 1, pred_dim]: position t predicts row t (position 0 reads only the start token).
  torch::Tensor forward(const torch::Tensor& cond, const torch::Tensor& keep, const torch::Tensor& rows);
  // The training objective: MSE of every row predicted from the rows before it (rows [B, max_length, pred_dim]).
  torch::Tensor loss(const torch::Tensor& cond, const torch::Tensor& keep, const torch::Tensor& rows);
  // Guided decoding with a KV cache: `prefix` [B, S, pred_dim] (may be undefined) is taken as given, then rows
  // are predicted until there are `total_rows`; each new row = null + (cond − null)·cond_scale, the official
  // forward_with_cond_scale (cond_scale == 1: conditional only). Deterministic unless `hooks.sample` changes the
  // predicted row (e.g. draws from it) before it is kept and fed back. Returns [B, total_rows, pred_dim].
  struct Hooks {
    std::function<bool(int done, int total)> on_row;             // after every row; false stops early
    std::function<void(torch::Tensor& row, int index)> sample;   // row [B, pred_dim], in place
  };
  torch::Tensor generate(const torch::Tensor& cond, double cond_scale, int total_rows, const torch::Tensor& prefix,
                         const Hooks& hooks);
  torch::Tensor generate(const torch::Tensor& cond, double cond_scale, int total_rows, const torch::Tensor& prefix);
  // The official initialisation (PyTorch defaults; start token and null keys ~ N(0, 1)), from a seed.
  void reset_parameters(std::uint64_t seed);

 private:
  torch::Tensor condition_tokens(const torch::Tensor& cond);      // [B, 7, context_dim]
  torch::Tensor embed_rows(const torch::Tensor& rows, int64_t first_position);  // [B, L, dim], before init_norm
  torch::Tensor start_embedding(int64_t batch);                   // [B, 1, dim]
  torch::Tensor positions(const torch::Tensor& inv_freq, int64_t first, int64_t count, int64_t width);

  GraphTransformerConfig cfg_;
  torch::Tensor start_token_, cond_inv_freq_, graph_inv_freq_;
  torch::nn::Linear fc1_{nullptr}, to_dim_{nullptr}, to_logits_{nullptr};
  torch::Tensor init_gamma_, init_beta_, final_gamma_, final_beta_;
  struct Layer {
    GraphAttention self_attn{nullptr}, cross_attn{nullptr};
    torch::Tensor ff_gamma1, ff_beta1, ff_gamma2, ff_beta2;
    torch::nn::Linear ff_in{nullptr}, ff_out{nullptr};
  };
  std::vector<Layer> layers_;
  torch::Tensor feed_forward(Layer&, const torch::Tensor& x);
};
TORCH_MODULE(GraphTransformer);

}  // namespace weft::web
