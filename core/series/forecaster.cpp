#include "series/forecaster.h"

#include <torch/torch.h>

#include "common/error.h"
#include "common/json_io.h"
#include "common/pth_reader.h"
#include "common/torch_bridge.h"
#include "series/model_factories.h"

namespace weft::series {

nlohmann::json ModelConfig::to_json() const {
  return {{"model", model},       {"seq_len", seq_len},       {"pred_len", pred_len}, {"enc_in", enc_in},
          {"individual", individual}, {"moving_avg", moving_avg}, {"d_model", d_model}, {"n_heads", n_heads},
          {"e_layers", e_layers}, {"d_ff", d_ff},             {"dropout", dropout},   {"use_norm", use_norm},
          {"patch_len", patch_len}, {"stride", stride},       {"mark_features", mark_features},
          {"label_len", label_len}, {"d_layers", d_layers},   {"factor", factor},     {"distil", distil},
          {"sample_seed", sample_seed}};
}

ModelConfig ModelConfig::from_json(const nlohmann::json& j) {
  ModelConfig c;
  const char* w = "model config";
  c.model = json_get(j, "model", c.model, w);
  c.seq_len = json_get(j, "seq_len", c.seq_len, w);
  c.pred_len = json_get(j, "pred_len", c.pred_len, w);
  c.enc_in = json_get(j, "enc_in", c.enc_in, w);
  c.individual = json_get(j, "individual", c.individual, w);
  c.moving_avg = json_get(j, "moving_avg", c.moving_avg, w);
  c.d_model = json_get(j, "d_model", c.d_model, w);
  c.n_heads = json_get(j, "n_heads", c.n_heads, w);
  c.e_layers = json_get(j, "e_layers", c.e_layers, w);
  c.d_ff = json_get(j, "d_ff", c.d_ff, w);
  c.dropout = json_get(j, "dropout", c.dropout, w);
  c.use_norm = json_get(j, "use_norm", c.use_norm, w);
  c.patch_len = json_get(j, "patch_len", c.patch_len, w);
  c.stride = json_get(j, "stride", c.stride, w);
  c.mark_features = json_get(j, "mark_features", c.mark_features, w);
  c.label_len = json_get(j, "label_len", c.label_len, w);
  c.d_layers = json_get(j, "d_layers", c.d_layers, w);
  c.factor = json_get(j, "factor", c.factor, w);
  c.distil = json_get(j, "distil", c.distil, w);
  c.sample_seed = json_get(j, "sample_seed", c.sample_seed, w);
  c.validate();
  return c;
}

void ModelConfig::validate() const {
  const std::string w = "model config";
  auto need = [&](bool ok, const std::string& what) {
    if (!ok) throw Error(what, w);
  };
  const bool decoder = model == "autoformer" || model == "informer";
  need(model == "dlinear" || model == "itransformer" || model == "patchtst" || decoder,
       "unknown model \"" + model + "\" (dlinear, itransformer, patchtst, autoformer, informer)");
  need(seq_len >= 1 && seq_len <= 100000, "seq_len must be in 1..100000");
  need(pred_len >= 1 && pred_len <= 100000, "pred_len must be in 1..100000");
  need(enc_in >= 1 && enc_in <= 100000, "enc_in must be in 1..100000");
  need(moving_avg >= 1 && moving_avg % 2 == 1, "moving_avg must be an odd kernel size");
  need(d_model >= 1 && n_heads >= 1 && d_model % n_heads == 0, "d_model must be a multiple of n_heads");
  need(e_layers >= 1 && e_layers <= 64 && d_ff >= 1, "e_layers must be in 1..64 and d_ff at least 1");
  need(dropout >= 0 && dropout < 1, "dropout must be in [0, 1)");
  need(patch_len >= 1 && stride >= 1 && patch_len <= seq_len + stride, "patch_len/stride do not fit seq_len");
  need(mark_features >= 0, "mark_features must be at least 0");
  need(!decoder || (label_len >= 0 && label_len <= seq_len), "label_len must be in 0..seq_len");
  // The circular convolutions pad 2 steps (distilling) and the ProbSparse budget needs ln L > 0.
  need(model != "informer" || seq_len >= 2, "Informer needs seq_len of at least 2");
  need(d_layers >= 1 && d_layers <= 64, "d_layers must be in 1..64");
  need(factor >= 0 && factor <= 100, "factor must be in [0, 100] (0: the model's default)");
}

double ModelConfig::attention_factor() const {
  if (factor > 0) return factor;
  return model == "informer" ? 5.0 : 1.0;  // Informer's paper and ProbAttention default; Autoformer's run.py
}

long long Forecaster::parameter_count() {
  long long n = 0;
  for (const auto& p : module().parameters()) n += p.numel();
  return n;
}

at::Tensor Forecaster::forward(const at::Tensor& x, const at::Tensor& x_mark) {
  return forward(x, x_mark, at::Tensor());
}

std::unique_ptr<Forecaster> make_forecaster(const ModelConfig& requested) {
  requested.validate();
  ModelConfig c = requested;
  c.factor = requested.attention_factor();  // the model (and its saved config) carries the value it uses
  if (c.model == "dlinear") return detail::make_dlinear(c);
  if (c.model == "itransformer") return detail::make_itransformer(c);
  if (c.model == "autoformer") return detail::make_autoformer(c);
  if (c.model == "informer") return detail::make_informer(c);
  return detail::make_patchtst(c);
}

void load_weights(Forecaster& f, const std::string& path) {
  const NamedTensors tensors = read_tensor_file(path);
  load_into(f.module(), tensors, /*strict=*/true, path);
}

}  // namespace weft::series
