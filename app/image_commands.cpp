// `weft image generate|edit`: flags → request → PNGs carrying the request, optionally every scale's preview.
#include <cstdio>
#include <optional>

#include "commands.h"
#include "common/error.h"
#include "image/edit.h"
#include "image/generate.h"
#include "image/result_files.h"

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
  }

  bool selected() const override { return generate_->parsed() || edit_->parsed(); }

  void run(Context& ctx) override {
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
  CLI::App *generate_ = nullptr, *edit_ = nullptr;
  image::EditRequest edit_req_;  // .generate holds the plain generate request too
  std::string out_ = ".", steps_dir_, preview_ = "full", from_;
  std::vector<double> box_;
};

}  // namespace

std::unique_ptr<CommandGroup> image_commands() { return std::make_unique<ImageCommands>(); }

}  // namespace weft::cli
