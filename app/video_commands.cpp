// `weft video generate|train|classifier|eval`: the image jobs run on a video model (model.json with "video"), and
// clips exported as MP4, PNG frames or GIF.
#include <cstdio>
#include <optional>

#include "commands.h"
#include "image_reports.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "image/classifier.h"
#include "image/clip_export.h"
#include "image/evaluate.h"
#include "image/generate.h"
#include "image/model_config.h"
#include "image/result_files.h"
#include "image/train_image.h"

namespace weft::cli {
namespace {

class VideoCommands final : public CommandGroup {
 public:
  void add_to(CLI::App& app) override {
    auto* video = app.add_subcommand("video", "next-scale video generation over a space-time pyramid");
    video->require_subcommand(1);
    generate_ = video->add_subcommand("generate", "sample class-conditional clips from a video model");
    auto& r = gen_req_;
    r.top_k = 0;
    r.top_p = 0;
    generate_->add_option("--model", r.model, "model JSON (config + weight files)");
    generate_->add_option("--class", r.class_id, "class id (negative: unconditional)");
    generate_->add_option("--seed", r.seed, "64-bit seed");
    gen_sampling_.cfg = generate_->add_option("--cfg", r.cfg, "guidance at the last scale, ramps up from 0 (default: the model's)");
    gen_sampling_.top_k = generate_->add_option("--top-k", r.top_k, "keep the k most likely codes (0: off; default: the model's)");
    gen_sampling_.top_p = generate_->add_option("--top-p", r.top_p, "nucleus sampling mass (0: off; default: the model's)");
    generate_->add_option("--count", r.count, "number of clips");
    generate_->add_option("--batch", r.batch, "clips sampled together");
    generate_->add_option("-o,--out", out_, "output folder");
    generate_->add_option("--format", formats_, "mp4, png (a folder of frames), gif; several allowed")->delimiter(',');
    generate_->add_option("--steps-dir", steps_dir_, "also save every scale's frame strip here (PNG)");
    generate_->add_option("--preview", preview_, "preview for --steps-dir: full (decoder) or fast (linear)");
    generate_->add_option("--from", from_, "repeat the request stored in a clip's metadata (GIF, PNG frame, MP4 .json)");

    train_ = video->add_subcommand("train", "train a clip tokenizer and a next-scale transformer into a model folder");
    auto& t = train_req_;
    t.data = "moving-shapes";
    t.tokenizer_epochs = 1;
    t.transformer_epochs = 2;
    t.val_count = 240;
    train_->add_option("--data", t.data, "moving-shapes, or a folder of videos / frame folders (sub-folders = classes)");
    train_->add_option("-o,--out", t.out, "model folder (model.json, weights, checkpoints, loss logs)")->required();
    train_->add_option("--stage", t.stage, "all | tokenizer | transformer");
    train_->add_option("--config", config_file_, "model config JSON with \"video\" (default: the tiny 16-frame config)");
    train_->add_option("--limit", t.limit, "use at most this many training clips (0: all; moving-shapes: 8000)");
    train_->add_option("--tokenizer-epochs", t.tokenizer_epochs, "epochs of tokenizer training");
    train_->add_option("--transformer-epochs", t.transformer_epochs, "epochs of transformer training");
    train_->add_option("--max-steps", t.max_steps, "stop each stage after this many steps (0: no cap)");
    train_->add_option("--batch", t.batch, "clips per step");
    train_->add_option("--tokenizer-lr", t.tokenizer_lr, "tokenizer learning rate");
    train_->add_option("--transformer-lr", t.transformer_lr, "transformer peak learning rate");
    train_->add_option("--warmup", t.warmup_steps, "transformer warm-up steps");
    train_->add_option("--val-count", t.val_count, "held-out clips for validation");
    train_->add_option("--seed", t.seed, "64-bit seed (data, weights, shuffles, class dropout)");
    train_->add_flag("--resume", t.resume, "continue from the folder's checkpoints");
    train_->add_option("--tokenizer", t.tokenizer, "reuse this vae.safetensors instead of training a tokenizer");
    train_->add_option("--transformer-from", t.transformer_init,
                       "start the transformer from this var.safetensors (a new schedule, e.g. to train a model longer)");

    classifier_ = video->add_subcommand("classifier", "train the small clip classifier that `video eval` uses");
    auto& k = classifier_req_;
    k.data = "moving-shapes";
    k.frames = 16;
    k.limit = 4000;
    classifier_->add_option("--data", k.data, "moving-shapes, or a folder of videos (sub-folders = classes)");
    classifier_->add_option("-o,--out", k.out, "classifier .safetensors (usually next to the model.json)")->required();
    classifier_->add_option("--frames", k.frames, "frames per clip (the model's)");
    classifier_->add_option("--size", k.size, "frame size in px (the model's)");
    classifier_->add_option("--limit", k.limit, "training clips");
    classifier_->add_option("--epochs", k.epochs, "training epochs");
    classifier_->add_option("--seed", k.seed, "64-bit seed");

    eval_ = video->add_subcommand("eval", "class-consistency, Fréchet distance and temporal consistency of clips");
    auto& e = eval_req_;
    e.reference = "moving-shapes:test";
    e.train_data = "moving-shapes";
    e.per_class = 20;
    e.batch = 20;
    eval_->add_option("--model", e.model, "video model JSON")->required();
    eval_->add_option("--classifier", e.classifier, "clip classifier (default: classifier.safetensors next to the model)");
    eval_->add_option("--reference", e.reference, "held-out real clips (moving-shapes:test or a folder)");
    eval_->add_option("--train-data", e.train_data, "training clips for the reference distances (\"\" to skip)");
    eval_->add_option("--baseline", e.baseline, "picture model for the per-frame baseline (optional)");
    eval_->add_option("--per-class", e.per_class, "generated clips per class");
    eval_sampling_.cfg = eval_->add_option("--cfg", e.cfg, "guidance at the last scale (default: the model's)");
    eval_sampling_.top_k = eval_->add_option("--top-k", e.top_k, "top-k (0: off; default: the model's)");
    eval_sampling_.top_p = eval_->add_option("--top-p", e.top_p, "top-p (0: off; default: the model's)");
    eval_->add_option("--seed", e.seed, "64-bit seed");
    eval_->add_option("--json", eval_json_, "also write the result as JSON here");
  }

  bool selected() const override {
    return generate_->parsed() || train_->parsed() || classifier_->parsed() || eval_->parsed();
  }

  void run(Context& ctx) override {
    if (train_->parsed()) return run_train(ctx);
    if (classifier_->parsed()) return run_classifier(ctx);
    if (eval_->parsed()) return run_eval(ctx);
    run_generate(ctx);
  }

 private:
  void run_generate(Context& ctx) {
    auto g = gen_req_;
    if (!from_.empty()) g = image::GenerateRequest::from_json(stored_request(from_));
    if (g.model.empty()) throw Error("--model (or --from) is required", "weft video");
    // A stored request (--from) is repeated as it was.
    if (from_.empty()) gen_sampling_.fill_unset(g, parse_json(read_file(g.model), g.model));
    std::vector<image::ClipFormat> formats;
    for (const auto& f : formats_) formats.push_back(image::clip_format_from_name(f));
    if (formats.empty()) formats.push_back(image::ClipFormat::Mp4);
    g.threads = ctx.threads;
    g.preview = steps_dir_.empty() ? image::PreviewMode::None : image::preview_mode_from_name(preview_);
    std::optional<image::StepsSaver> steps;
    if (!steps_dir_.empty()) steps.emplace(ctx.sink, steps_dir_);
    ProgressSink& sink = steps ? static_cast<ProgressSink&>(*steps) : ctx.sink;
    const auto res = image::generate_video(g, sink, ctx.cancel);
    const auto stem = "clip_" + std::to_string(g.class_id) + "_" + std::to_string(g.seed);
    for (auto f : formats)
      for (const auto& path : image::save_clips(res, out_, stem, f))
        if (!ctx.quiet) std::printf("wrote %s\n", path.c_str());
    if (!ctx.quiet)
      std::printf("%zu clip(s) of %zu frames in %.2f s\n", res.clips.size(), res.clips.empty() ? size_t(0) : res.clips[0].size(),
                  res.seconds);
  }

  // The request stored by save_clips: a GIF's comment, a frame PNG's tEXt, or an MP4's sidecar JSON.
  static Json stored_request(const std::string& path) {
    auto ends = [&](const char* ext) {
      const std::string e(ext);
      return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
    };
    Json meta;
    if (ends(".gif")) meta = parse_json(image::read_gif_comment(path), path);
    else if (ends(".png")) return image::read_png_metadata(path).at("request");
    else if (ends(".mp4")) meta = parse_json(read_file(path + ".json"), path + ".json");
    else meta = parse_json(read_file(path), path);
    if (!meta.contains("weft") || meta.at("weft").value("job", "") != "video-generate")
      throw Error("holds no video-generate request", path);
    return meta.at("weft").at("request");
  }

  void run_train(Context& ctx) {
    auto req = train_req_;
    req.threads = ctx.threads;
    req.config = config_file_.empty() ? image::tiny_video_config().to_json() : parse_json(read_file(config_file_), config_file_);
    if (!req.config.contains("video")) throw Error("the config has no \"video\" section: use `weft image train`", config_file_);
    const auto res = image::train_image_model(req, ctx.sink, ctx.cancel);
    if (!ctx.quiet) print_train_report(res);
  }

  void run_classifier(Context& ctx) {
    auto req = classifier_req_;
    req.threads = ctx.threads;
    const auto res = image::train_classifier(req, ctx.sink, ctx.cancel);
    if (!ctx.quiet)
      std::printf("clip classifier: %d classes, held-out accuracy %.1f %%, %.1f s → %s\n", res.classes,
                  100 * res.test_accuracy, res.seconds, req.out.c_str());
  }

  void run_eval(Context& ctx) {
    auto req = eval_req_;
    req.threads = ctx.threads;
    // Refuse a picture model before generating anything (its JSON has no "video" section).
    const Json model_json = parse_json(read_file(req.model), req.model);
    if (!model_json.contains("video")) throw Error("this is a picture model: use `weft image eval`", req.model);
    eval_sampling_.fill_unset(req, model_json);
    const auto res = image::evaluate_image_model(req, ctx.sink, ctx.cancel);
    if (!eval_json_.empty()) write_file_atomic(eval_json_, res.to_json().dump(2) + "\n");
    if (!ctx.quiet) std::printf("%s", res.table().c_str());
  }

  // The sampling flags of one subcommand: those the user left out take model.json's "recommended" values (the
  // settings its card measured), else the defaults above.
  struct SamplingFlags {
    CLI::Option *cfg = nullptr, *top_k = nullptr, *top_p = nullptr;
    template <class Request>
    void fill_unset(Request& req, const Json& model_json) const {
      const auto rec = image::recommended_sampling(model_json, req.model);
      if (!rec) return;
      if (!cfg->count()) req.cfg = rec->cfg;
      if (!top_k->count()) req.top_k = rec->top_k;
      if (!top_p->count()) req.top_p = rec->top_p;
    }
  };
  SamplingFlags gen_sampling_, eval_sampling_;
  CLI::App *generate_ = nullptr, *train_ = nullptr, *classifier_ = nullptr, *eval_ = nullptr;
  image::GenerateRequest gen_req_;
  image::ImageTrainRequest train_req_;
  image::ClassifierTrainRequest classifier_req_;
  image::ImageEvalRequest eval_req_;
  std::string out_ = ".", steps_dir_, preview_ = "full", from_, config_file_, eval_json_;
  std::vector<std::string> formats_;
};

}  // namespace

std::unique_ptr<CommandGroup> video_commands() { return std::make_unique<VideoCommands>(); }

}  // namespace weft::cli
