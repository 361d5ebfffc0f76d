#include "image/train_image.h"

#include <torch/torch.h>

#include <chrono>
#include <filesystem>

#include "common/atomic_file.h"
#include "common/rng.h"
#include "common/thread_scope.h"
#include "common/safetensors.h"
#include "common/torch_bridge.h"
#include "image/clip_data.h"
#include "image/image_data.h"
#include "image/model_io.h"
#include "image/train_stages.h"
#include "image/var_model.h"
#include "image/vqvae.h"

namespace weft::image {
namespace fs = std::filesystem;
namespace {

constexpr const char* kWhere = "image train request";

// Pictures for picture models, clips (N, T, C, S, S) for video models.
ImageSet load_training_set(const ModelConfig& cfg, const std::string& source, int limit, std::uint64_t seed) {
  if (cfg.is_video())
    return load_clip_set({source, cfg.video.frames, cfg.image_size(), cfg.vqvae.in_channels, limit, seed});
  return load_image_set({source, cfg.image_size(), cfg.vqvae.in_channels, limit});
}

// Held-out pictures: the built-in sources' own test splits; for a folder, a seeded shuffle's last val_count pictures.
detail::StageData split_data(const ImageTrainRequest& req, const ModelConfig& cfg, ImageSet& train_set) {
  detail::StageData d;
  if (is_builtin_source(req.data)) {
    const std::string test = builtin_test_split(req.data);
    const ImageSet val = load_training_set(cfg, test, req.val_count, req.seed);
    d.train_images = train_set.images;
    d.train_labels = train_set.labels;
    d.val_images = val.images;
    d.val_labels = val.labels;
    return d;
  }
  const int64_t N = train_set.count();
  const int64_t n_val = std::min<int64_t>(req.val_count, N / 10);
  if (N - n_val < 1) throw Error("too few pictures to train on (" + std::to_string(N) + ")", req.data);
  auto order = torch::randperm(N, cpu_generator(Rng::derive(req.seed, 0x56414cull)));
  auto train_rows = order.slice(0, 0, N - n_val), val_rows = order.slice(0, N - n_val);
  if (n_val == 0) val_rows = order.slice(0, 0, std::min<int64_t>(N, 64));  // tiny sets: score on training pictures
  d.train_images = train_set.images.index_select(0, train_rows);
  d.train_labels = train_set.labels.index_select(0, train_rows);
  d.val_images = train_set.images.index_select(0, val_rows);
  d.val_labels = train_set.labels.index_select(0, val_rows);
  return d;
}

void save_weights(const std::string& path, const torch::nn::Module& m) { write_safetensors(path, named_tensors_of(m)); }

}  // namespace

ModelConfig tiny_image_config() {
  ModelConfig c;
  c.patch_nums = {1, 2, 3, 4, 6, 8};
  c.vqvae.vocab_size = 512;
  c.vqvae.z_channels = 32;
  c.vqvae.ch = 32;  // the smallest GroupNorm(32) allows
  c.vqvae.ch_mult = {1, 1, 2};
  c.vqvae.num_res_blocks = 1;
  c.vqvae.using_sa = false;
  c.vqvae.using_mid_sa = false;
  c.var.num_classes = 10;
  c.var.depth = 4;
  c.var.embed_dim = 128;
  c.var.num_heads = 4;
  return c;
}

ModelConfig tiny_video_config() {
  ModelConfig c = tiny_image_config();
  c.video.frames = 16;
  c.video.frame_group = 4;                  // 16 frames → 4 latent frames of 8×8
  c.patch_nums = {1, 2, 3, 4, 6, 8};
  c.video.time_nums = {1, 1, 2, 2, 4, 4};   // 1+4+18+32+144+256 = 455 tokens
  c.vqvae.z_channels = 32;
  c.var.num_classes = 12;
  return c;
}

Json ImageTrainRequest::to_json() const {
  return {{"data", data}, {"limit", limit}, {"out", out}, {"stage", stage}, {"config", config},
          {"order", order}, {"tokenizer", tokenizer}, {"transformer_init", transformer_init},
          {"tokenizer_epochs", tokenizer_epochs}, {"transformer_epochs", transformer_epochs}, {"max_steps", max_steps},
          {"batch", batch}, {"tokenizer_lr", tokenizer_lr}, {"transformer_lr", transformer_lr},
          {"warmup_steps", warmup_steps}, {"weight_decay", weight_decay}, {"beta", beta},
          {"class_dropout", class_dropout}, {"label_smoothing", label_smoothing}, {"grad_clip", grad_clip},
          {"val_count", val_count}, {"resume", resume}, {"seed", seed}, {"threads", threads}};
}

ImageTrainRequest ImageTrainRequest::from_json(const Json& j) {
  ImageTrainRequest r;
#define WEFT_FIELD(name) r.name = json_get(j, #name, r.name, kWhere)
  WEFT_FIELD(order); WEFT_FIELD(tokenizer); WEFT_FIELD(transformer_init);
  WEFT_FIELD(data); WEFT_FIELD(limit); WEFT_FIELD(out); WEFT_FIELD(stage); WEFT_FIELD(tokenizer_epochs);
  WEFT_FIELD(transformer_epochs); WEFT_FIELD(max_steps); WEFT_FIELD(batch); WEFT_FIELD(tokenizer_lr);
  WEFT_FIELD(transformer_lr); WEFT_FIELD(warmup_steps); WEFT_FIELD(weight_decay); WEFT_FIELD(beta);
  WEFT_FIELD(class_dropout); WEFT_FIELD(label_smoothing); WEFT_FIELD(grad_clip); WEFT_FIELD(val_count);
  WEFT_FIELD(resume); WEFT_FIELD(seed); WEFT_FIELD(threads);
#undef WEFT_FIELD
  if (j.contains("config")) r.config = j.at("config");
  r.validate();
  return r;
}

void ImageTrainRequest::validate() const {
  if (out.empty()) throw Error("no output folder given", kWhere);
  if (stage != "all" && stage != "tokenizer" && stage != "transformer")
    throw Error("stage must be all, tokenizer or transformer, not \"" + stage + "\"", kWhere);
  if (order != "next-scale" && order != "raster") throw Error("order must be next-scale or raster", kWhere);
  if (!tokenizer.empty() && stage == "tokenizer") throw Error("a given tokenizer leaves nothing to train in stage \"tokenizer\"", kWhere);
  if (!transformer_init.empty() && stage == "tokenizer")
    throw Error("transformer_init has no use in stage \"tokenizer\"", kWhere);
  if (!transformer_init.empty() && resume)
    throw Error("transformer_init and resume both say where the transformer starts: give one", kWhere);
  if (limit < 0 || max_steps < 0 || val_count < 1) throw Error("limit and max_steps must be ≥ 0, val_count ≥ 1", kWhere);
  if (tokenizer_epochs < 1 || transformer_epochs < 1 || tokenizer_epochs > 10000 || transformer_epochs > 10000)
    throw Error("epochs must be between 1 and 10000", kWhere);
  if (batch < 1 || batch > 4096) throw Error("batch must be between 1 and 4096", kWhere);
  for (double lr : {tokenizer_lr, transformer_lr})
    if (!(lr > 0 && lr < 1)) throw Error("learning rates must be in (0, 1)", kWhere);
  if (!(class_dropout >= 0 && class_dropout < 1) || !(label_smoothing >= 0 && label_smoothing < 1))
    throw Error("class_dropout and label_smoothing must be in [0, 1)", kWhere);
  if (!(beta >= 0) || !(weight_decay >= 0) || !(grad_clip > 0) || warmup_steps < 0)
    throw Error("beta and weight_decay must be ≥ 0, grad_clip > 0, warmup_steps ≥ 0", kWhere);
  if (threads < 1 || threads > 1024) throw Error("threads must be between 1 and 1024", kWhere);
  if (!config.is_null()) ModelConfig::from_json(config, kWhere);
}

Json ImageTrainResult::to_json() const {
  Json j = result_metadata("image-train", request.to_json());
  j["model_json"] = model_json;
  j["data"] = data_description;
  j["skipped_files"] = skipped.size();
  j["tokenizer"] = {{"steps", tokenizer_steps}, {"val_mse", tokenizer_val_mse}, {"code_usage", code_usage}};
  j["transformer"] = {{"steps", transformer_steps}, {"val_loss", transformer_val_loss},
                      {"val_accuracy", transformer_val_accuracy}};
  j["seconds"] = seconds;
  return j;
}

ImageTrainResult train_image_model(const ImageTrainRequest& req, ProgressSink& sink, const CancelToken& cancel) {
  const auto t0 = std::chrono::steady_clock::now();
  req.validate();
  ThreadScope thread_scope(req.threads);
  ImageTrainResult res;
  res.request = req;
  ModelConfig cfg = req.config.is_null() ? tiny_image_config() : ModelConfig::from_json(req.config, kWhere);

  sink.progress(0.0, cfg.is_video() ? "loading clips" : "loading pictures");
  ImageSet train_set = load_training_set(cfg, req.data, req.limit, req.seed);
  res.data_description = train_set.description;
  res.skipped = train_set.skipped;
  sink.log(train_set.description);
  for (const auto& s : train_set.skipped) sink.log("skipped " + s);
  cfg.var.num_classes = static_cast<int>(train_set.class_names.size());
  cfg.var.raster = req.order == "raster";
  cfg.class_names = train_set.class_names;
  cfg.validate(kWhere);
  res.request.config = cfg.to_json();
  const detail::StageData data = split_data(req, cfg, train_set);

  fs::create_directories(req.out);
  const std::string vae_path = (fs::path(req.out) / "vae.safetensors").string();
  const std::string var_path = (fs::path(req.out) / "var.safetensors").string();
  const bool do_tokenizer = req.stage != "transformer" && req.tokenizer.empty(), do_transformer = req.stage != "tokenizer";
  if (!req.tokenizer.empty()) {
    Vqvae check(cfg);
    load_weights(*check, req.tokenizer);  // strict: refuses weights of another configuration, naming the tensor
    if (fs::absolute(req.tokenizer) != fs::absolute(vae_path)) fs::copy_file(req.tokenizer, vae_path, fs::copy_options::overwrite_existing);
  }

  torch::manual_seed(Rng::derive(req.seed, 1));  // initial tokenizer weights
  Vqvae vae(cfg);
  if (do_tokenizer) {
    detail::StageContext ctx{res.request, sink, cancel, req.out, 0.0, do_transformer ? 0.3 : 1.0};
    const auto o = detail::train_tokenizer(*vae, data, ctx);
    res.tokenizer_steps = o.steps;
    res.tokenizer_val_mse = o.val_mse;
    res.code_usage = o.code_usage;
    save_weights(vae_path, *vae);
  } else {
    if (!fs::exists(vae_path)) throw Error("no trained tokenizer (vae.safetensors) in this folder: train stage \"tokenizer\" first", req.out);
    load_weights(*vae, vae_path);
  }
  vae->eval();

  if (do_transformer) {
    torch::manual_seed(Rng::derive(req.seed, 2));  // initial transformer weights
    Var var(cfg);
    detail::init_transformer(*var);
    // Strict: weights of another configuration are refused, naming the tensor. A checkpoint's resume would also
    // restore the optimizer and the old schedule; this starts a new schedule from the given weights.
    if (!req.transformer_init.empty()) load_weights(*var, req.transformer_init);
    detail::StageContext ctx{res.request, sink, cancel, req.out, do_tokenizer ? 0.3 : 0.0, 1.0};
    const auto o = detail::train_transformer(*var, *vae, data, ctx);
    res.transformer_steps = o.steps;
    res.transformer_val_loss = o.val_loss;
    res.transformer_val_accuracy = o.val_accuracy;
    save_weights(var_path, *var);

    Json j = cfg.to_json();
    j["weights"] = {{"vqvae", "vae.safetensors"}, {"var", "var.safetensors"}};
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    j["training"] = res.to_json();
    res.model_json = (fs::path(req.out) / "model.json").string();
    write_file_atomic(res.model_json, j.dump(2) + "\n");
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  sink.progress(1.0, "done");
  return res;
}

}  // namespace weft::image
