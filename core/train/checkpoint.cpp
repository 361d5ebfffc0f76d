#include "train/checkpoint.h"

#include <torch/torch.h>

#include <map>

#include "common/safetensors.h"
#include "common/torch_bridge.h"

namespace weft::train {

namespace {

constexpr const char* kFormat = "weft-train-checkpoint/1";

std::string optimizer_kind(const torch::optim::Optimizer* opt) {
  if (!opt) return "none";
  if (dynamic_cast<const torch::optim::AdamW*>(opt)) return "adamw";
  if (dynamic_cast<const torch::optim::Adam*>(opt)) return "adam";
  if (dynamic_cast<const torch::optim::SGD*>(opt)) return "sgd";
  throw Error("checkpoints support Adam, AdamW and SGD optimizers", "save checkpoint");
}

std::string slot_prefix(size_t group, size_t index) {
  return "optim." + std::to_string(group) + "." + std::to_string(index) + ".";
}

// LibTorch keys optimizer state by the address of each parameter's TensorImpl.
std::string state_key(const torch::Tensor& p) { return c10::guts::to_string(p.unsafeGetTensorImpl()); }

template <typename State>
void save_moments(const State& s, const std::string& prefix, NamedTensors& out) {
  out.push_back({prefix + "step", from_torch(torch::tensor({s.step()}, torch::kLong))});
  out.push_back({prefix + "exp_avg", from_torch(s.exp_avg())});
  out.push_back({prefix + "exp_avg_sq", from_torch(s.exp_avg_sq())});
  if (s.max_exp_avg_sq().defined()) out.push_back({prefix + "max_exp_avg_sq", from_torch(s.max_exp_avg_sq())});
}

template <typename State>
std::unique_ptr<State> load_moments(const NamedTensors& file, const std::string& prefix, const torch::Tensor& param,
                                    const std::string& origin) {
  const TensorRecord* step = find_tensor(file, prefix + "step");
  if (!step) return nullptr;  // this parameter had not been updated yet when the checkpoint was written
  auto read = [&](const char* slot, bool required) -> torch::Tensor {
    const TensorRecord* r = find_tensor(file, prefix + slot);
    if (!r) {
      if (required) throw Error("optimizer state \"" + prefix + slot + "\" is missing", origin);
      return {};
    }
    torch::Tensor t = to_torch(*r);
    if (!t.sizes().equals(param.sizes()))
      throw Error("optimizer state \"" + prefix + slot + "\" has shape " + shape_string(r->shape) +
                      ", its parameter has " + shape_string(std::vector<int64_t>(param.sizes().begin(), param.sizes().end())),
                  origin);
    return t.to(param.options());
  };
  auto s = std::make_unique<State>();
  const torch::Tensor step_t = to_torch(*step);
  if (step_t.numel() != 1 || step_t.scalar_type() != torch::kLong) throw Error("optimizer step is not one integer", origin);
  s->step(step_t.item<int64_t>());
  s->exp_avg(read("exp_avg", true));
  s->exp_avg_sq(read("exp_avg_sq", true));
  if (torch::Tensor m = read("max_exp_avg_sq", false); m.defined()) s->max_exp_avg_sq(m);
  return s;
}

}  // namespace

void save_checkpoint(const std::string& path, const torch::nn::Module& model, const torch::optim::Optimizer* optimizer,
                     const TrainState& state) {
  NamedTensors tensors;
  for (auto& nt : named_tensors_of(model)) tensors.push_back({"model." + nt.name, std::move(nt.tensor)});
  const std::string kind = optimizer_kind(optimizer);
  Json groups = Json::array();
  if (optimizer) {
    const auto& all = optimizer->param_groups();
    for (size_t g = 0; g < all.size(); ++g) {
      groups.push_back({{"lr", all[g].options().get_lr()}, {"params", all[g].params().size()}});
      for (size_t i = 0; i < all[g].params().size(); ++i) {
        auto it = optimizer->state().find(state_key(all[g].params()[i]));
        if (it == optimizer->state().end()) continue;
        if (kind == "adamw") save_moments(static_cast<const torch::optim::AdamWParamState&>(*it->second), slot_prefix(g, i), tensors);
        if (kind == "adam") save_moments(static_cast<const torch::optim::AdamParamState&>(*it->second), slot_prefix(g, i), tensors);
      }
    }
  }
  Json meta = {{"epoch", state.epoch}, {"step", state.step}, {"seconds", state.seconds},
               {"early_stopping", state.early_stopping}, {"request", state.request},
               {"optimizer", {{"kind", kind}, {"groups", groups}}}, {"loss_log", state.log.to_json()}};
  write_safetensors(path, tensors, {{"format", kFormat}, {"weft_train", meta.dump()}});
}

TrainState load_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer) {
  SafetensorsFile file = read_safetensors(path);
  auto format = file.metadata.find("format");
  if (format == file.metadata.end() || format->second != kFormat || !file.metadata.count("weft_train"))
    throw Error("not a Weft training checkpoint (no \"" + std::string(kFormat) + "\" metadata)", path);
  const Json meta = parse_json(file.metadata.at("weft_train"), path + " metadata");

  NamedTensors weights;
  for (const auto& nt : file.tensors)
    if (nt.name.rfind("model.", 0) == 0) weights.push_back({nt.name.substr(6), nt.tensor});
  load_into(model, weights, /*strict=*/true, path);

  if (optimizer) {
    const std::string saved = json_get<std::string>(meta.value("optimizer", Json::object()), "kind", "none", path);
    const std::string kind = optimizer_kind(optimizer);
    if (saved != kind && saved != "none")
      throw Error("checkpoint holds " + saved + " optimizer state, the trainer uses " + kind, path);
    auto& all = optimizer->param_groups();
    for (size_t g = 0; g < all.size(); ++g)
      for (size_t i = 0; i < all[g].params().size(); ++i) {
        const torch::Tensor& p = all[g].params()[i];
        std::unique_ptr<torch::optim::OptimizerParamState> s;
        if (kind == "adamw") s = load_moments<torch::optim::AdamWParamState>(file.tensors, slot_prefix(g, i), p, path);
        if (kind == "adam") s = load_moments<torch::optim::AdamParamState>(file.tensors, slot_prefix(g, i), p, path);
        if (s) optimizer->state()[state_key(p)] = std::move(s);
      }
  }

  TrainState state;
  state.epoch = json_get(meta, "epoch", 0, path);
  state.step = json_get(meta, "step", 0, path);
  state.seconds = json_get(meta, "seconds", 0.0, path);
  state.early_stopping = meta.value("early_stopping", Json());
  state.request = meta.value("request", Json());
  if (meta.contains("loss_log")) state.log = LossLog::from_json(meta["loss_log"]);
  return state;
}

}  // namespace weft::train
