#include "web/web_train.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

#include "common/rng.h"
#include "common/thread_scope.h"
#include "train/epoch_loop.h"
#include "web/web_generator.h"
#include "web/web_model.h"

namespace weft::web {
namespace fs = std::filesystem;
namespace {
constexpr const char* kWhere = "web train request";

// The paper maps the global min/max of x, y, z to ±1. With samples anchored at their first node that range is set
// by a few long orb threads (±350 units while the median sample spans ±40), which leaves a typical thread at 0.03
// model units, where the 64 adjacency values of a row drown its 3 coordinates in the loss. A symmetric range at the
// 90th percentile of |coordinate| keeps typical samples within about ±0.5 (outliers simply go past ±1).
Normalization robust_xyz_range(Normalization norm, const std::vector<std::vector<float>>& blocks,
                               const std::vector<int>& node_counts) {
  std::vector<float> magnitudes;
  for (std::size_t s = 0; s < blocks.size(); ++s)
    for (int i = 0; i < node_counts[s]; ++i)
      for (int c = 1; c <= 3; ++c) magnitudes.push_back(std::abs(blocks[s][std::size_t(i) * kRowWidth + std::size_t(c)]));
  if (magnitudes.empty()) return norm;
  const auto at = magnitudes.begin() + std::ptrdiff_t(magnitudes.size() * 9 / 10);
  std::nth_element(magnitudes.begin(), at, magnitudes.end());
  if (*at > 0) {
    norm.xyz_min = -double(*at);
    norm.xyz_max = double(*at);
  }
  return norm;
}

}

Json WebTrainRequest::to_json() const {
  return {{"data", data}, {"count", count}, {"data_seed", data_seed}, {"layout", layout}, {"val_fraction", val_fraction}, {"out", out},
          {"config", config}, {"epochs", epochs}, {"max_steps", max_steps}, {"batch", batch}, {"lr", lr},
          {"warmup_steps", warmup_steps}, {"grad_clip", grad_clip}, {"resume", resume}, {"seed", seed},
          {"threads", threads}};
}

WebTrainRequest WebTrainRequest::from_json(const Json& j) {
  WebTrainRequest r;
#define WEFT_FIELD(name) r.name = json_get(j, #name, r.name, kWhere)
  WEFT_FIELD(data); WEFT_FIELD(count); WEFT_FIELD(data_seed); WEFT_FIELD(val_fraction); WEFT_FIELD(out);
  WEFT_FIELD(epochs); WEFT_FIELD(max_steps); WEFT_FIELD(batch); WEFT_FIELD(lr); WEFT_FIELD(warmup_steps);
  WEFT_FIELD(grad_clip); WEFT_FIELD(resume); WEFT_FIELD(seed); WEFT_FIELD(threads); WEFT_FIELD(layout);
#undef WEFT_FIELD
  if (j.contains("config")) r.config = j.at("config");
  r.validate();
  return r;
}

void WebTrainRequest::validate() const {
  if (out.empty()) throw Error("no output folder given", kWhere);
  if (data.empty()) throw Error("no data given (\"synthetic\" or a dataset file)", kWhere);
  if (layout != "canonical" && layout != "growth") throw Error("layout must be \"canonical\" or \"growth\"", kWhere);
  if (count < 2 || count > 10'000'000) throw Error("count must be between 2 and 10000000", kWhere);
  if (!(val_fraction > 0 && val_fraction < 0.5)) throw Error("val_fraction must be in (0, 0.5)", kWhere);
  if (epochs < 1 || epochs > 100000) throw Error("epochs must be between 1 and 100000", kWhere);
  if (max_steps < 0) throw Error("max_steps must be ≥ 0", kWhere);
  if (batch < 1 || batch > 4096) throw Error("batch must be between 1 and 4096", kWhere);
  if (!(lr > 0 && lr < 1)) throw Error("lr must be in (0, 1)", kWhere);
  if (warmup_steps < 0 || !(grad_clip > 0)) throw Error("warmup_steps must be ≥ 0 and grad_clip > 0", kWhere);
  if (threads < 1 || threads > 1024) throw Error("threads must be between 1 and 1024", kWhere);
  if (!config.is_null()) GraphTransformerConfig::from_json(config, kWhere);
}

Json WebTrainResult::to_json() const {
  Json j = result_metadata("web-train", request.to_json());
  j["model_json"] = model_json;
  j["data"] = data_description;
  j["train_samples"] = train_samples;
  j["val_samples"] = val_samples;
  j["steps"] = steps;
  j["val_loss"] = val_loss;
  j["xyz_residual_std"] = xyz_residual_std;
  j["seconds"] = seconds;
  return j;
}

WebTrainResult train_web_model(const WebTrainRequest& req, ProgressSink& sink, const CancelToken& cancel) {
  const auto t0 = std::chrono::steady_clock::now();
  req.validate();
  ThreadScope thread_scope(req.threads);
  WebTrainResult res;
  res.request = req;
  WebModel model;
  model.config = req.config.is_null() ? GraphTransformerConfig{} : GraphTransformerConfig::from_json(req.config, kWhere);
  res.request.config = model.config.to_json();

  sink.progress(0, "preparing data");
  WebDataset data;
  if (req.data == "synthetic") {
    DatasetParams params = generator_dataset_params(model.config.max_length, req.layout);
    params.count = req.count;
    data = make_dataset(synthetic_samples(params, req.data_seed));
    res.data_description = std::to_string(req.count) + " synthetic orb/sheet/tangle samples (seed " +
                           std::to_string(req.data_seed) + ", growth order, first node at the origin" +
                           (params.canonical ? ", counterclockwise BFS, second node on +x)" : ")");
  } else {
    data = read_web_dataset(req.data);
    res.data_description = std::to_string(data.size()) + " samples from " + req.data;
  }
  if (data.max_length > model.config.max_length)
    throw Error("the data's samples have up to " + std::to_string(data.max_length) + " rows, the model " +
                    std::to_string(model.config.max_length), req.data);
  const int64_t N = static_cast<int64_t>(data.size());
  const int64_t n_val = std::max<int64_t>(1, static_cast<int64_t>(N * req.val_fraction));
  if (N - n_val < req.batch)
    throw Error("only " + std::to_string(N - n_val) + " training samples for a batch of " + std::to_string(req.batch), req.data);
  // The normalisation is fitted on the training samples only.
  {
    std::vector<std::vector<float>> blocks(data.blocks.begin(), data.blocks.end() - n_val);
    std::vector<Properties> y(data.y.begin(), data.y.end() - n_val);
    model.norm = fit_normalization(blocks, y);
    if (req.data == "synthetic") model.norm = robust_xyz_range(model.norm, blocks, data.node_counts);
  }
  const RowTensors all = dataset_rows(data, model.norm, model.config.max_length);
  const auto train_rows = all.rows.slice(0, 0, N - n_val), train_cond = all.cond.slice(0, 0, N - n_val);
  const auto val_rows = all.rows.slice(0, N - n_val), val_cond = all.cond.slice(0, N - n_val);
  res.train_samples = static_cast<int>(N - n_val);
  res.val_samples = static_cast<int>(n_val);
  sink.log("data: " + res.data_description + "; " + std::to_string(res.train_samples) + " for training, " +
           std::to_string(res.val_samples) + " held out");

  fs::create_directories(req.out);
  model.net = GraphTransformer(model.config);
  model.net->reset_parameters(Rng::derive(req.seed, 0x494e4954ull));
  torch::optim::Adam opt(model.net->parameters(), torch::optim::AdamOptions(req.lr));

  auto validate = [&] {
    torch::NoGradGuard no_grad;
    model.net->eval();
    double sum = 0;
    const int64_t n = val_rows.size(0);
    auto sq = torch::zeros({3}, torch::kDouble);
    double real_rows = 0;
    for (int64_t at = 0; at < n; at += 64) {
      const int64_t m = std::min<int64_t>(64, n - at);
      auto rows = val_rows.slice(0, at, at + m), cond = val_cond.slice(0, at, at + m);
      auto predicted = model.net->forward(cond, torch::ones({m}, torch::kBool), rows.slice(1, 0, rows.size(1) - 1));
      sum += torch::mse_loss(predicted, rows).item<double>() * double(m);
      // Spread of the position error on real node rows (padding rows are all zero): what a sampler adds back.
      auto real = (rows.abs().sum(2) > 0).unsqueeze(2).to(torch::kFloat);
      sq += ((predicted.slice(2, 0, 3) - rows.slice(2, 0, 3)).pow(2) * real).sum(std::vector<int64_t>{0, 1}).to(torch::kDouble);
      real_rows += real.sum().item<double>();
    }
    res.val_loss = sum / double(n);
    res.xyz_residual_std.clear();
    for (int c = 0; c < 3; ++c) res.xyz_residual_std.push_back(std::sqrt(sq[c].item<double>() / std::max(1.0, real_rows)));
    // After every epoch the folder holds a usable model (the GUI and `weft web eval` can try it while training
    // goes on); the final save below adds the complete training summary.
    model.training = res.to_json();
    save_web_model(req.out, model);
    return res.val_loss;
  };

  train::EpochLoop loop;
  loop.name = "generator";
  loop.folder = req.out;
  loop.epochs = req.epochs;
  loop.count = train_rows.size(0);
  loop.batch = req.batch;
  loop.max_steps = req.max_steps;
  loop.seed = req.seed;
  loop.resume = req.resume;
  loop.request = res.request.to_json();
  loop.progress_from = 0.02;
  loop.progress_to = 0.98;
  loop.module = model.net.ptr().get();
  loop.optimizer = &opt;
  loop.schedule.kind = train::LrSchedule::Kind::WarmupCosine;
  loop.schedule.base_lr = req.lr;
  loop.schedule.min_lr = req.lr * 0.1;
  loop.schedule.warmup_steps = req.warmup_steps;
  auto params = model.net->parameters();
  loop.step = [&](const torch::Tensor& items, int step) {
    auto rows = train_rows.index_select(0, items), cond = train_cond.index_select(0, items);
    auto gen = cpu_generator(Rng::derive(req.seed, 0x44524f50ull + std::uint64_t(step)));
    auto keep = torch::rand({items.size(0)}, gen) >= model.config.cond_drop_prob;
    auto loss = model.net->loss(cond, keep, rows);
    opt.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(params, req.grad_clip);
    opt.step();
    return loss.item<double>();
  };
  loop.validate = validate;
  res.steps = train::run_epoch_loop(loop, sink, cancel);
  if (res.val_loss < 0) validate();  // a resumed, already finished run still reports its figure
  model.net->eval();

  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  model.training = res.to_json();
  save_web_model(req.out, model);
  res.model_json = (fs::path(req.out) / "model.json").string();
  sink.progress(1, "done");
  return res;
}

}  // namespace weft::web
