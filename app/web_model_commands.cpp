// `weft web train|generate|eval`: the LibTorch half of the web commands (Model 3). They join the `web` group that
// web_commands.cpp declares, which stays torch-free so its tests need no LibTorch.
#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "web/graph_files.h"
#include "web/web_generate.h"
#include "web/web_train.h"

namespace weft::cli {

namespace {

namespace fs = std::filesystem;

class WebModelCommands final : public CommandGroup {
 public:
  void add_to(CLI::App& app) override {
    auto* web = app.get_subcommand("web");
    train_ = web->add_subcommand("train", "train the web generator (Model 3) on web samples into a model folder");
    auto& t = train_req_;
    train_->add_option("--data", t.data, "synthetic (the embedded generator) or a data set (.safetensors / the paper's .pt)");
    train_->add_option("--count", t.count, "synthetic: number of samples");
    train_->add_option("--data-seed", t.data_seed, "synthetic: 64-bit seed of the samples");
    train_->add_option("--layout", t.layout,
                       "synthetic: sample order, canonical (counterclockwise BFS, turned so node 2 is on +x) or "
                       "growth (plain BFS)");
    train_->add_option("--val-fraction", t.val_fraction, "share of samples held out for validation");
    train_->add_option("-o,--out", t.out, "model folder (model.json, weights, checkpoint, loss log)")->required();
    train_->add_option("--config", config_file_, "transformer config JSON (default: dim 128, 4 layers, 4 heads)");
    train_->add_option("--epochs", t.epochs, "epochs");
    train_->add_option("--max-steps", t.max_steps, "stop after this many steps (0: no cap)");
    train_->add_option("--batch", t.batch, "samples per step");
    train_->add_option("--lr", t.lr, "peak learning rate (warm-up, then cosine to a tenth)");
    train_->add_option("--warmup", t.warmup_steps, "warm-up steps");
    train_->add_option("--seed", t.seed, "64-bit seed (weights, shuffles, condition dropout)");
    train_->add_flag("--resume", t.resume, "continue from the folder's checkpoint");

    generate_ = web->add_subcommand("generate", "generate webs for 7 target properties with a trained model");
    auto& g = gen_req_;
    generate_->add_option("--model", g.model, "model.json of a web generator");
    generate_->add_option("--targets", targets_,
                          "7 comma-separated targets: edge length, dx, dy, dz, nodes, entries, entries/node")
        ->delimiter(',')
        ->expected(7);
    generate_->add_option("--like", like_, "or: take the targets measured on this graph file");
    generate_->add_option("--seed", g.seed, "64-bit seed (start of each web)");
    generate_->add_option("--count", g.count, "number of webs");
    gen_decoding_.cond_scale = generate_->add_option("--cond-scale", g.cond_scale, "classifier-free guidance (1: off; default: the model's)");
    gen_decoding_.start_noise = generate_->add_option("--start-noise", g.start_noise,
                                       "variety: noise on the first node (0: deterministic; default: the model's)");
    gen_decoding_.candidates = generate_->add_option("--candidates", g.candidates,
                          "best of N: try N seeded starts per web, keep the one whose measured properties are "
                          "closest to the targets (default: the model's)");
    generate_->add_flag("--prefer-connected", g.prefer_connected,
                        "with --candidates: a try in one piece beats any try in several (a print needs one part)");
    gen_decoding_.threshold = generate_->add_option("--threshold", g.threshold, "adjacency value that makes a thread (default: the model's)");
    gen_decoding_.decode = generate_->add_option(
        "--decode", g.decode, "threshold (the paper's), count (each row keeps its expected number) or attached (the "
                              "threshold, and every node joins an earlier one; default: the model's)");
    gen_decoding_.length = generate_->add_option(
        "--length", g.length, "model (the web ends where its threads end; the paper) or target (exactly the asked "
                              "node count; default: the model's)");
    generate_->add_option("--sampling", g.sampling, "mean (the paper's, deterministic) or sample (draw each row)");
    generate_->add_option("--temperature", g.temperature, "sample: scale of the position noise");
    generate_->add_flag("--symmetric", g.symmetric, "average the adjacency with its transpose first");
    generate_->add_option("--degree-cap", g.degree_cap, "entries kept per node");
    generate_->add_option("-o,--out", out_, "output folder for the graph files");
    generate_->add_option("--from", from_, "repeat the request stored in a generated web's .json");

    eval_ = web->add_subcommand("eval", "conditioning fidelity: R² of requested vs re-measured properties");
    auto& e = eval_req_;
    eval_->add_option("--model", e.model, "model.json")->required();
    eval_->add_option("--data", e.data, "synthetic (fresh held-out samples) or a data set file");
    eval_->add_option("--count", e.count, "targets (one web each)");
    eval_->add_option("--data-seed", e.data_seed, "synthetic: seed of the held-out samples (≠ the training seed)");
    eval_decoding_.cond_scale = eval_->add_option("--cond-scale", e.cond_scale, "classifier-free guidance (default: the model's)");
    eval_decoding_.start_noise = eval_->add_option("--start-noise", e.start_noise, "noise on the first node (default: the model's)");
    eval_decoding_.candidates =
        eval_->add_option("--candidates", e.candidates, "best of N tries per target (as generate; default: the model's)");
    eval_->add_flag("--prefer-connected", e.prefer_connected, "as generate");
    eval_->add_option("--sampling", e.sampling, "mean or sample (as generate)");
    eval_decoding_.decode = eval_->add_option("--decode", e.decode, "threshold, count or attached (as generate; default: the model's)");
    eval_decoding_.length = eval_->add_option("--length", e.length, "model or target (as generate; default: the model's)");
    eval_decoding_.threshold =
        eval_->add_option("--threshold", e.threshold, "adjacency value that makes a thread (default: the model's)");
    eval_->add_option("--temperature", e.temperature, "sample: scale of the position noise");
    eval_->add_option("--seed", e.seed, "64-bit seed");
    eval_->add_option("--json", eval_json_, "also write the result as JSON here");
  }

  bool selected() const override { return train_->parsed() || generate_->parsed() || eval_->parsed(); }

  void run(Context& ctx) override {
    if (train_->parsed()) return run_train(ctx);
    if (eval_->parsed()) return run_eval(ctx);
    run_generate(ctx);
  }

 private:
  void run_train(Context& ctx) {
    auto req = train_req_;
    req.threads = ctx.threads;
    if (!config_file_.empty()) req.config = parse_json(read_file(config_file_), config_file_);
    const auto res = web::train_web_model(req, ctx.sink, ctx.cancel);
    if (ctx.quiet) return;
    std::printf("%s: %d for training, %d held out\n", res.data_description.c_str(), res.train_samples, res.val_samples);
    std::printf("%d steps, held-out MSE %.5f, %.1f s\nwrote %s\n", res.steps, res.val_loss, res.seconds,
                res.model_json.c_str());
  }

  void run_generate(Context& ctx) {
    auto req = gen_req_;
    if (!from_.empty()) {
      const Json stored = parse_json(read_file(from_), from_);
      if (!stored.contains("weft") || stored["weft"].value("job", "") != "web-generate")
        throw Error("this file was not written by `weft web generate`", from_);
      req = web::WebGenerateRequest::from_json(stored["weft"].at("request"));
    } else if (!like_.empty()) {
      req.targets = web::web_properties(web::read_graph_file(like_));
    } else if (targets_.size() == 7) {
      std::copy(targets_.begin(), targets_.end(), req.targets.begin());
    } else {
      throw Error("give --targets (7 numbers), --like GRAPH or --from WEB.json", "weft web generate");
    }
    if (req.model.empty()) throw Error("--model is required", "weft web generate");
    if (from_.empty()) gen_decoding_.fill_unset(req);  // the model card's decoding unless the flags say otherwise
    req.threads = ctx.threads;
    const auto res = web::generate_webs(req, ctx.sink, ctx.cancel);
    fs::create_directories(out_);
    for (std::size_t k = 0; k < res.webs.size(); ++k) {
      const auto path = (fs::path(out_) / ("web_" + std::to_string(req.seed) + "_" + std::to_string(k) + ".json")).string();
      write_file_atomic(path, res.web_json(k).dump() + "\n");
      if (!ctx.quiet) std::printf("wrote %s\n", path.c_str());
    }
    if (ctx.quiet) return;
    std::printf("%-18s %10s", "property", "target");
    for (std::size_t k = 0; k < res.webs.size() && k < 6; ++k) std::printf(" %9s%zu", "web ", k);
    std::printf("\n");
    for (int p = 0; p < web::kNumProperties; ++p) {
      std::printf("%-18s %10.4g", web::property_names()[std::size_t(p)].c_str(), req.targets[std::size_t(p)]);
      for (std::size_t k = 0; k < res.webs.size() && k < 6; ++k) std::printf(" %10.4g", res.webs[k].measured[std::size_t(p)]);
      std::printf("\n");
    }
    int connected = 0;
    for (const auto& w : res.webs) connected += w.connected;
    std::printf("%d of %zu connected, %.2f s\n", connected, res.webs.size(), res.seconds);
  }

  void run_eval(Context& ctx) {
    auto req = eval_req_;
    eval_decoding_.fill_unset(req);  // judged as `web generate` draws: the card's decoding unless flags say otherwise
    req.threads = ctx.threads;
    const auto res = web::evaluate_web_model(req, ctx.sink, ctx.cancel);
    if (!eval_json_.empty()) write_file_atomic(eval_json_, res.to_json().dump(2) + "\n");
    if (!ctx.quiet) std::printf("%s", res.table().c_str());
  }

  CLI::App *train_ = nullptr, *generate_ = nullptr, *eval_ = nullptr;
  // The decoding flags of one subcommand: those the user left out take model.json's "recommended" values.
  struct DecodingFlags {
    CLI::Option *cond_scale = nullptr, *threshold = nullptr, *start_noise = nullptr, *candidates = nullptr,
                *length = nullptr, *decode = nullptr;
    template <class Request>
    void fill_unset(Request& req) const {
      const auto info = web::read_web_model_info(req.model);
      if (!cond_scale->count()) req.cond_scale = info.cond_scale;
      if (!threshold->count()) req.threshold = info.threshold;
      if (!start_noise->count()) req.start_noise = info.start_noise;
      if (!candidates->count()) req.candidates = info.candidates;
      if (!length->count()) req.length = info.length;
      if (!decode->count()) req.decode = info.decode;
    }
  };
  DecodingFlags gen_decoding_, eval_decoding_;
  web::WebTrainRequest train_req_;
  std::string config_file_;
  web::WebGenerateRequest gen_req_;
  std::vector<double> targets_;
  std::string like_, out_ = ".", from_;
  web::WebEvalRequest eval_req_;
  std::string eval_json_;
};

}  // namespace

std::unique_ptr<CommandGroup> web_model_commands() { return std::make_unique<WebModelCommands>(); }

}  // namespace weft::cli
