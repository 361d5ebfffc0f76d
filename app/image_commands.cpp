// `weft image generate|edit`: flags → request → PNGs carrying the request, optionally every scale's preview.
#include <cstdio>
#include <optional>

#include "commands.h"
#include "image_reports.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "image/classifier.h"
#include "image/edit.h"
#include "image/evaluate.h"
#include "image/generate.h"
#include "image/result_files.h"
#include "image/train_image.h"

namespace weft::cli {

namespace {

class ImageCommands final : public CommandGroup {
 public:
  void add_to(CLI::App& app) override {
    auto* image = app.add_subcommand("image", "next-scale (VAR) image generation and editing");
    image->require_subcommand(1);
    generate_ = image->add_subcommand("generate", "sample class-conditional images from a VAR model");
    edit_ = image->add_subcommand("edit", "in-/out-paint a picture: keep its tokens where the mask says, sample the rest");
    auto& r = edit_req_.generate;
    for (auto* g : {generate_, edit_}) {
      g->add_option("--model", r.model, "model JSON (config + weight files)");
      g->add_option("--class", r.class_id, "class id (negative: unconditional)");
      g->add_option("--seed", r.seed, "64-bit seed");
      g->add_option("--cfg", r.cfg, "guidance at the last scale (ramps up from 0)");
      g->add_option("--top-k", r.top_k, "keep the k most likely codes (0: off)");
      g->add_option("--top-p", r.top_p, "nucleus sampling mass (0: off)");
      g->add_option("--count", r.count, "number of images");
      g->add_option("--batch", r.batch, "images sampled together");
      g->add_option("-o,--out", out_, "output folder");
      g->add_option("--steps-dir", steps_dir_, "also save every scale's preview here");
      g->add_option("--preview", preview_, "preview for --steps-dir: full (decoder) or fast (linear)");
      g->add_option("--from", from_, "repeat the request stored in a PNG written by weft");
    }
    edit_->add_option("--image", edit_req_.image, "the picture to edit");
    edit_->add_option("--mask", edit_req_.mask, "mask picture: white = keep, black = repaint");
    edit_->add_option("--box", box_, "without --mask: x0,y0,x1,y1 fractions of the region to repaint")
        ->delimiter(',')
        ->expected(4);
    edit_->add_flag("--outpaint", edit_req_.outpaint, "keep the box and repaint around it");

    train_ = image->add_subcommand("train", "train a tokenizer and a VAR transformer into a model folder");
    auto& t = train_req_;
    train_->add_option("--data", t.data, "fashion-mnist, noto-emoji, or a folder of pictures (sub-folders = classes)");
    train_->add_option("-o,--out", t.out, "model folder (model.json, weights, checkpoints, loss logs)")->required();
    train_->add_option("--stage", t.stage, "all | tokenizer | transformer");
    train_->add_option("--config", config_file_, "model config JSON (default: the tiny 32 px config)");
    train_->add_option("--order", t.order, "next-scale (VAR) or raster (the token-by-token baseline)");
    train_->add_option("--tokenizer", t.tokenizer, "reuse this vae.safetensors instead of training a tokenizer");
    train_->add_option("--limit", t.limit, "use at most this many training pictures (0: all)");
    train_->add_option("--tokenizer-epochs", t.tokenizer_epochs, "epochs of tokenizer training");
    train_->add_option("--transformer-epochs", t.transformer_epochs, "epochs of transformer training");
    train_->add_option("--max-steps", t.max_steps, "stop each stage after this many steps (0: no cap)");
    train_->add_option("--batch", t.batch, "pictures per step");
    train_->add_option("--tokenizer-lr", t.tokenizer_lr, "tokenizer learning rate");
    train_->add_option("--transformer-lr", t.transformer_lr, "transformer peak learning rate");
    train_->add_option("--warmup", t.warmup_steps, "transformer warm-up steps");
    train_->add_option("--class-dropout", t.class_dropout, "fraction of unconditional labels (for CFG)");
    train_->add_option("--val-count", t.val_count, "held-out pictures for validation");
    train_->add_option("--seed", t.seed, "64-bit seed (weights, shuffles, class dropout)");
    train_->add_flag("--resume", t.resume, "continue from the folder's checkpoints");
    train_->add_option("--transformer-from", t.transformer_init,
                       "start the transformer from this var.safetensors (a new schedule, e.g. to train a model longer)");

    classifier_ = image->add_subcommand("classifier", "train the small judging classifier that `image eval` uses");
    auto& k = classifier_req_;
    classifier_->add_option("--data", k.data, "fashion-mnist, noto-emoji, or a folder of pictures (sub-folders = classes)");
    classifier_->add_option("-o,--out", k.out, "classifier .safetensors (usually next to the model.json)")->required();
    classifier_->add_option("--size", k.size, "picture size in px (the model's)");
    classifier_->add_option("--epochs", k.epochs, "training epochs");
    classifier_->add_option("--seed", k.seed, "64-bit seed");

    eval_ = image->add_subcommand("eval", "class-consistency and Fréchet distance of generated pictures");
    auto& e = eval_req_;
    eval_->add_option("--model", e.model, "model JSON")->required();
    eval_->add_option("--classifier", e.classifier, "classifier file (default: classifier.safetensors next to the model)");
    eval_->add_option("--reference", e.reference, "held-out real pictures (fashion-mnist:test, noto-emoji:test or a folder)");
    eval_->add_option("--reference-limit", e.reference_limit, "use at most this many reference pictures (0: all)");
    eval_->add_option("--train-data", e.train_data, "training pictures for the reference distances (\"\" to skip)");
    eval_->add_option("--per-class", e.per_class, "generated pictures per class");
    eval_->add_option("--cfg", e.cfg, "guidance at the last scale");
    eval_->add_option("--top-k", e.top_k, "top-k (0: off)");
    eval_->add_option("--top-p", e.top_p, "top-p (0: off)");
    eval_->add_option("--seed", e.seed, "64-bit seed");
    eval_->add_option("--json", eval_json_, "also write the result as JSON here");
  }

  bool selected() const override { return generate_->parsed() || edit_->parsed() || train_->parsed() || classifier_->parsed() || eval_->parsed();
  }

  void run(Context& ctx) override {
    if (train_->parsed()) return run_train(ctx);
    if (classifier_->parsed()) return run_classifier(ctx);
    if (eval_->parsed()) return run_eval(ctx);
    const bool editing = edit_->parsed();
    auto req = edit_req_;
    if (box_.size() == 4) req.x0 = box_[0], req.y0 = box_[1], req.x1 = box_[2], req.y1 = box_[3];
    if (!from_.empty()) {
      const auto stored = image::read_png_metadata(from_);
      if (editing != (stored.value("job", "") == "image-edit"))
        throw Error("this PNG was made by another job (" + stored.value("job", "?") + ")", from_);
      if (editing) req = image::EditRequest::from_json(stored.at("request"));
      else req.generate = image::GenerateRequest::from_json(stored.at("request"));
    }
    auto& g = req.generate;
    if (g.model.empty()) throw Error("--model (or --from) is required", "weft image");
    g.threads = ctx.threads;
    g.preview = steps_dir_.empty() ? image::PreviewMode::None : image::preview_mode_from_name(preview_);
    std::optional<image::StepsSaver> steps;
    if (!steps_dir_.empty()) steps.emplace(ctx.sink, steps_dir_);
    ProgressSink& sink = steps ? static_cast<ProgressSink&>(*steps) : ctx.sink;
    auto res = editing ? image::edit(req, sink, ctx.cancel) : image::generate(g, sink, ctx.cancel);
    const auto stem = (editing ? "edit_" : "") + std::to_string(g.class_id) + "_" + std::to_string(g.seed);
    for (const auto& path : image::save_result(res, out_, stem))
      if (!ctx.quiet) std::printf("wrote %s\n", path.c_str());
    if (!ctx.quiet) std::printf("%zu image(s) in %.2f s\n", res.images.size(), res.seconds);
  }

 private:
  void run_train(Context& ctx) {
    auto req = train_req_;
    req.threads = ctx.threads;
    if (!config_file_.empty()) req.config = parse_json(read_file(config_file_), config_file_);
    const auto res = image::train_image_model(req, ctx.sink, ctx.cancel);
    if (!ctx.quiet) print_train_report(res);
  }

  void run_classifier(Context& ctx) {
    auto req = classifier_req_;
    req.threads = ctx.threads;
    const auto res = image::train_classifier(req, ctx.sink, ctx.cancel);
    if (!ctx.quiet)
      std::printf("classifier: %d classes, held-out accuracy %.1f %%, %.1f s → %s\n", res.classes,
                  100 * res.test_accuracy, res.seconds, req.out.c_str());
  }

  void run_eval(Context& ctx) {
    auto req = eval_req_;
    req.threads = ctx.threads;
    const auto res = image::evaluate_image_model(req, ctx.sink, ctx.cancel);
    if (!eval_json_.empty()) write_file_atomic(eval_json_, res.to_json().dump(2) + "\n");
    if (!ctx.quiet) std::printf("%s", res.table().c_str());
  }

  CLI::App *generate_ = nullptr, *edit_ = nullptr, *train_ = nullptr, *classifier_ = nullptr, *eval_ = nullptr;
  image::ClassifierTrainRequest classifier_req_;
  image::ImageEvalRequest eval_req_;
  std::string eval_json_;
  image::ImageTrainRequest train_req_;
  std::string config_file_;
  image::EditRequest edit_req_;  // .generate holds the plain generate request too
  std::string out_ = ".", steps_dir_, preview_ = "full", from_;
  std::vector<double> box_;
};

}  // namespace

std::unique_ptr<CommandGroup> image_commands() { return std::make_unique<ImageCommands>(); }

}  // namespace weft::cli
