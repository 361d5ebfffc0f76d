#include "web/graph_transformer.h"

#include <torch/torch.h>

#include <cfloat>
#include <cmath>

#include "common/error.h"
#include "common/rng.h"

namespace weft::web {
namespace {

// The official LayerNorm: a learned gain and a bias that is a buffer (never trained, saved in the state dict).
std::pair<torch::Tensor, torch::Tensor> register_layer_norm(torch::nn::Module& parent, const std::string& name,
                                                            int dim) {
  auto holder = parent.register_module(name, std::make_shared<torch::nn::Module>());
  auto gamma = holder->register_parameter("gamma", torch::ones({dim}));
  auto beta = holder->register_buffer("beta", torch::zeros({dim}));
  return {gamma, beta};
}

torch::Tensor layer_norm(const torch::Tensor& x, const torch::Tensor& gamma, const torch::Tensor& beta) {
  return torch::layer_norm(x, {x.size(-1)}, gamma, beta, 1e-5);
}

torch::nn::Linear linear(int in, int out, bool bias = false) {
  return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(bias));
}

// The official position code keeps ceil(c/2) frequencies 1/10000^(2i/c'), c' = 2·ceil(c/2).
torch::Tensor inverse_frequencies(int channels) {
  const int even = (channels + 1) / 2 * 2;
  return 1.0 / torch::pow(10000.0, torch::arange(0, even, 2, torch::kFloat) / float(even));
}

void require(bool ok, const std::string& what, const std::string& where) {
  if (!ok) throw Error(what, where);
}

}  // namespace

Json GraphTransformerConfig::to_json() const {
  return Json{{"dim", dim},
              {"depth", depth},
              {"dim_head", dim_head},
              {"heads", heads},
              {"ff_mult", ff_mult},
              {"max_length", max_length},
              {"text_embed_dim", text_embed_dim},
              {"embed_dim_position", embed_dim_position},
              {"pos_fourier_graph_dim", pos_fourier_graph_dim},
              {"max_text_len", max_text_len},
              {"cond_drop_prob", cond_drop_prob}};
}

GraphTransformerConfig GraphTransformerConfig::from_json(const Json& j, const std::string& where) {
  GraphTransformerConfig c;
  require(j.is_object(), "the transformer configuration must be a JSON object", where);
  auto get = [&](const char* key, auto& field) {
    if (!j.contains(key)) return;
    try {
      field = j.at(key).get<std::decay_t<decltype(field)>>();
    } catch (const std::exception&) {
      throw Error(std::string("\"") + key + "\" must be a number", where);
    }
  };
  get("dim", c.dim);
  get("depth", c.depth);
  get("dim_head", c.dim_head);
  get("heads", c.heads);
  get("ff_mult", c.ff_mult);
  get("max_length", c.max_length);
  get("text_embed_dim", c.text_embed_dim);
  get("embed_dim_position", c.embed_dim_position);
  get("pos_fourier_graph_dim", c.pos_fourier_graph_dim);
  get("max_text_len", c.max_text_len);
  get("cond_drop_prob", c.cond_drop_prob);
  auto in = [&](const char* key, int v, int lo, int hi) {
    require(v >= lo && v <= hi, std::string("\"") + key + "\" = " + std::to_string(v) + " is outside " +
                                    std::to_string(lo) + ".." + std::to_string(hi), where);
  };
  in("dim", c.dim, 8, 4096);
  in("depth", c.depth, 1, 64);
  in("dim_head", c.dim_head, 4, 512);
  in("heads", c.heads, 1, 64);
  in("ff_mult", c.ff_mult, 1, 16);
  in("max_length", c.max_length, 2, 1024);
  in("text_embed_dim", c.text_embed_dim, 1, 4096);
  in("embed_dim_position", c.embed_dim_position, 1, 4096);
  in("pos_fourier_graph_dim", c.pos_fourier_graph_dim, 1, 4096);
  in("max_text_len", c.max_text_len, 1, 7);
  require(c.cond_drop_prob >= 0 && c.cond_drop_prob < 1, "\"cond_drop_prob\" must be in [0, 1)", where);
  return c;
}

GraphTransformerConfig GraphTransformerConfig::paper() {
  GraphTransformerConfig c;
  c.dim = 512;
  c.depth = 12;
  c.dim_head = 64;
  c.heads = 16;
  c.text_embed_dim = 64;
  c.embed_dim_position = 64;
  return c;
}

// ---------------------------------------------------------------------------------------------------------------

GraphAttentionImpl::GraphAttentionImpl(int dim, int context_dim, int dim_head, int heads)
    : heads_(heads), dim_head_(dim_head), scale_(1.0 / std::sqrt(double(dim_head))) {
  null_kv_ = register_parameter("null_kv", torch::randn({dim_head}));
  std::tie(norm_gamma_, norm_beta_) = register_layer_norm(*this, "norm", dim);
  // Official Sequential(Dropout, Linear, Rearrange) / (Dropout, Linear) / (Rearrange, Linear, LayerNorm): the
  // Linear is entry 1 of each, the output LayerNorm entry 2.
  auto q = register_module("to_q", std::make_shared<torch::nn::Module>());
  to_q_ = q->register_module("1", linear(dim, heads * dim_head));
  auto kv = register_module("to_kv", std::make_shared<torch::nn::Module>());
  to_kv_ = kv->register_module("1", linear(context_dim, dim_head));
  auto out = register_module("to_out", std::make_shared<torch::nn::Module>());
  to_out_ = out->register_module("1", linear(heads * dim_head, dim));
  std::tie(out_gamma_, out_beta_) = register_layer_norm(*out, "2", dim);
}

torch::Tensor GraphAttentionImpl::with_null(const torch::Tensor& kv) const {
  return torch::cat({null_kv_.view({1, 1, dim_head_}).expand({kv.size(0), 1, dim_head_}), kv}, 1);
}

torch::Tensor GraphAttentionImpl::attend(const torch::Tensor& xn, const torch::Tensor& keys, const torch::Tensor& mask) {
  const int64_t B = xn.size(0), N = xn.size(1);
  auto q = to_q_(xn).view({B, N, heads_, dim_head_}).permute({0, 2, 1, 3}) * scale_;
  auto kv = keys.unsqueeze(1);                                    // [B, 1, J, d]: one head shared by all
  auto sim = torch::matmul(q, kv.transpose(-1, -2));              // [B, h, N, J]
  // The official code fills with −FLT_MAX (not −inf): the null key is always visible, so no row is all-masked.
  if (mask.defined()) sim = sim.masked_fill(mask.logical_not(), -FLT_MAX);
  auto out = torch::matmul(sim.softmax(-1), kv);                  // [B, h, N, d]
  out = out.permute({0, 2, 1, 3}).reshape({B, N, heads_ * dim_head_});
  return layer_norm(to_out_(out), out_gamma_, out_beta_);
}

torch::Tensor GraphAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& context, const torch::Tensor& keep) {
  auto xn = layer_norm(x, norm_gamma_, norm_beta_);
  if (context.defined()) return attend(xn, cross_keys(context), cross_mask(keep, context.size(1)));
  // Causal self-attention: query i sees the null key and positions 0..i (key index ≤ i + 1).
  const int64_t N = x.size(1);
  auto visible = torch::ones({N, N + 1}, torch::kBool).tril(1);
  return attend(xn, with_null(to_kv_(xn)), visible);
}

torch::Tensor GraphAttentionImpl::step_self(const torch::Tensor& x, torch::Tensor& cache) {
  auto xn = layer_norm(x, norm_gamma_, norm_beta_);
  auto kv = to_kv_(xn);
  cache = cache.defined() ? torch::cat({cache, kv}, 1) : kv;
  return attend(xn, with_null(cache), torch::Tensor());
}

torch::Tensor GraphAttentionImpl::step_cross(const torch::Tensor& x, const torch::Tensor& keys, const torch::Tensor& mask) {
  return attend(layer_norm(x, norm_gamma_, norm_beta_), keys, mask);
}

torch::Tensor GraphAttentionImpl::cross_keys(const torch::Tensor& context) { return with_null(to_kv_(context)); }

torch::Tensor GraphAttentionImpl::cross_mask(const torch::Tensor& keep, int64_t tokens) {
  const int64_t B = keep.size(0);
  auto visible = torch::cat({torch::ones({B, 1}, torch::kBool), keep.to(torch::kBool).view({B, 1}).expand({B, tokens})}, 1);
  return visible.view({B, 1, 1, tokens + 1});
}

// ---------------------------------------------------------------------------------------------------------------

GraphTransformerImpl::GraphTransformerImpl(const GraphTransformerConfig& c) : cfg_(c) {
  start_token_ = register_parameter("start_token", torch::randn({c.pred_dim() + c.pos_fourier_graph_dim}));
  fc1_ = register_module("fc1", linear(1, c.text_embed_dim, /*bias=*/true));
  auto p1 = register_module("p_enc_1d", std::make_shared<torch::nn::Module>());
  cond_inv_freq_ = p1->register_buffer("inv_freq", inverse_frequencies(c.embed_dim_position));
  auto pg = register_module("p_enc_1d_graph", std::make_shared<torch::nn::Module>());
  auto penc = pg->register_module("penc", std::make_shared<torch::nn::Module>());
  graph_inv_freq_ = penc->register_buffer("inv_freq", inverse_frequencies(c.pos_fourier_graph_dim));
  std::tie(init_gamma_, init_beta_) = register_layer_norm(*this, "init_norm", c.dim);

  auto list = register_module("layers", std::make_shared<torch::nn::Module>());
  for (int i = 0; i < c.depth; ++i) {
    auto holder = list->register_module(std::to_string(i), std::make_shared<torch::nn::Module>());
    Layer L;
    L.self_attn = holder->register_module("0", GraphAttention(c.dim, c.dim, c.dim_head, c.heads));
    L.cross_attn = holder->register_module("1", GraphAttention(c.dim, c.context_dim(), c.dim_head, c.heads));
    // FeedForward = Sequential(LayerNorm, Linear, GELU, LayerNorm, Linear): entries 0, 1, 3, 4 hold weights.
    auto ff = holder->register_module("2", std::make_shared<torch::nn::Module>());
    std::tie(L.ff_gamma1, L.ff_beta1) = register_layer_norm(*ff, "0", c.dim);
    L.ff_in = ff->register_module("1", linear(c.dim, c.dim * c.ff_mult));
    std::tie(L.ff_gamma2, L.ff_beta2) = register_layer_norm(*ff, "3", c.dim * c.ff_mult);
    L.ff_out = ff->register_module("4", linear(c.dim * c.ff_mult, c.dim));
    layers_.push_back(L);
  }
  std::tie(final_gamma_, final_beta_) = register_layer_norm(*this, "final_norm", c.dim);
  to_logits_ = register_module("to_logits", linear(c.dim, c.pred_dim()));
  to_dim_ = register_module("to_dim", linear(c.pred_dim() + c.pos_fourier_graph_dim, c.dim));
}

void GraphTransformerImpl::reset_parameters(std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto gen = cpu_generator(seed);
  for (auto& p : named_parameters(true)) {
    const std::string& name = p.key();
    torch::Tensor t = p.value();
    auto ends_with = [&](const std::string& s) {
      return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
    };
    if (ends_with("start_token") || ends_with("null_kv")) {
      t.normal_(0, 1, gen);
    } else if (ends_with("gamma")) {
      t.fill_(1);
    } else if (ends_with("weight")) {  // PyTorch's Linear default: kaiming_uniform(a=√5) = U(±1/√fan_in)
      const double bound = 1.0 / std::sqrt(double(t.size(1)));
      t.uniform_(-bound, bound, gen);
    } else if (ends_with("fc1.bias")) {
      t.uniform_(-1.0, 1.0, gen);  // fan_in of fc1 is 1
    } else {
      throw Error("no initialisation rule for parameter \"" + name + "\"", "graph transformer");
    }
  }
}

torch::Tensor GraphTransformerImpl::positions(const torch::Tensor& inv_freq, int64_t first, int64_t count, int64_t width) {
  auto pos = torch::arange(first, first + count, torch::kFloat);
  auto angles = torch::outer(pos, inv_freq);
  return torch::cat({angles.sin(), angles.cos()}, -1).slice(1, 0, width);
}

torch::Tensor GraphTransformerImpl::condition_tokens(const torch::Tensor& cond) {
  const int64_t B = cond.size(0);
  auto tokens = torch::gelu(fc1_(cond.to(torch::kFloat).unsqueeze(2)));
  auto pos = positions(cond_inv_freq_, 0, cond.size(1), cfg_.embed_dim_position);
  tokens = torch::cat({tokens, pos.unsqueeze(0).expand({B, pos.size(0), pos.size(1)})}, 2);
  return tokens.slice(1, 0, cfg_.max_text_len);
}

torch::Tensor GraphTransformerImpl::embed_rows(const torch::Tensor& rows, int64_t first_position) {
  const int64_t B = rows.size(0), L = rows.size(1);
  auto pos = positions(graph_inv_freq_, first_position, L, cfg_.pos_fourier_graph_dim);
  return to_dim_(torch::cat({rows, pos.unsqueeze(0).expand({B, L, pos.size(1)})}, 2));
}

torch::Tensor GraphTransformerImpl::start_embedding(int64_t batch) {
  return to_dim_(start_token_.view({1, 1, -1})).expand({batch, 1, cfg_.dim});
}

torch::Tensor GraphTransformerImpl::feed_forward(Layer& L, const torch::Tensor& x) {
  auto h = torch::gelu(L.ff_in(layer_norm(x, L.ff_gamma1, L.ff_beta1)));
  return L.ff_out(layer_norm(h, L.ff_gamma2, L.ff_beta2));
}

torch::Tensor GraphTransformerImpl::forward(const torch::Tensor& cond, const torch::Tensor& keep, const torch::Tensor& rows) {
  const int64_t B = cond.size(0);
  if (rows.dim() != 3 || rows.size(0) != B || rows.size(2) != cfg_.pred_dim() || rows.size(1) > cfg_.max_length)
    throw Error("rows must be [batch, ≤ " + std::to_string(cfg_.max_length) + ", " + std::to_string(cfg_.pred_dim()) +
                    "], got " + c10::str(rows.sizes()), "graph transformer");
  auto context = condition_tokens(cond);
  auto x = torch::cat({start_embedding(B), embed_rows(rows, 0)}, 1);
  x = layer_norm(x, init_gamma_, init_beta_);
  for (auto& L : layers_) {
    x = L.self_attn(x, torch::Tensor(), torch::Tensor()) + x;
    x = L.cross_attn(x, context, keep) + x;
    x = feed_forward(L, x) + x;
  }
  return to_logits_(layer_norm(x, final_gamma_, final_beta_));
}

torch::Tensor GraphTransformerImpl::loss(const torch::Tensor& cond, const torch::Tensor& keep, const torch::Tensor& rows) {
  const int64_t L = rows.size(1);
  auto predicted = forward(cond, keep, rows.slice(1, 0, L - 1));  // start + rows 0..L−2 predict rows 0..L−1
  return torch::mse_loss(predicted, rows);
}

torch::Tensor GraphTransformerImpl::generate(const torch::Tensor& cond, double cond_scale, int total_rows,
                                             const torch::Tensor& prefix) {
  return generate(cond, cond_scale, total_rows, prefix, Hooks{});
}

torch::Tensor GraphTransformerImpl::generate(const torch::Tensor& cond, double cond_scale, int total_rows,
                                             const torch::Tensor& prefix, const Hooks& hooks) {
  torch::NoGradGuard no_grad;
  const int64_t B = cond.size(0);
  const int S = prefix.defined() ? int(prefix.size(1)) : 0;
  if (total_rows < 1 || total_rows > cfg_.max_length || S > total_rows)
    throw Error("can generate 1.." + std::to_string(cfg_.max_length) + " rows (asked " + std::to_string(total_rows) +
                    ", prefix " + std::to_string(S) + ")", "graph transformer");
  // Guidance runs the conditional and the unconditional pass as one batch of 2B.
  const bool guided = cond_scale != 1.0;
  auto cond2 = guided ? torch::cat({cond, cond}) : cond;
  auto keep2 = torch::ones({cond2.size(0)}, torch::kBool);
  if (guided) keep2.slice(0, B).fill_(false);
  auto context = condition_tokens(cond2);
  std::vector<torch::Tensor> cross_keys, self_cache(layers_.size());
  for (auto& L : layers_) cross_keys.push_back(L.cross_attn->cross_keys(context));
  auto mask = GraphAttentionImpl::cross_mask(keep2, context.size(1));

  auto run = [&](torch::Tensor x) {  // one position through every layer, extending the caches
    x = layer_norm(x, init_gamma_, init_beta_);
    for (size_t l = 0; l < layers_.size(); ++l) {
      auto& L = layers_[l];
      x = L.self_attn->step_self(x, self_cache[l]) + x;
      x = L.cross_attn->step_cross(x, cross_keys[l], mask) + x;
      x = feed_forward(L, x) + x;
    }
    auto out = to_logits_(layer_norm(x, final_gamma_, final_beta_)).squeeze(1);  // [B2, pred_dim]
    if (!guided) return out;
    auto c = out.slice(0, 0, B), null = out.slice(0, B);
    return (null + (c - null) * cond_scale).contiguous();
  };
  std::vector<torch::Tensor> rows;
  auto next = run(start_embedding(cond2.size(0)));
  for (int t = 0; t < total_rows; ++t) {
    auto row = t < S ? prefix.select(1, t).to(torch::kFloat) : next;
    if (t >= S && hooks.sample) hooks.sample(row, t);
    rows.push_back(row);
    if ((hooks.on_row && !hooks.on_row(t + 1, total_rows)) || t + 1 == total_rows) break;
    auto row2 = guided ? torch::cat({row, row}) : row;
    next = run(embed_rows(row2.unsqueeze(1), t));
  }
  return torch::stack(rows, 1);
}

}  // namespace weft::web
