#include "image/train_stages.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>

#include "common/rng.h"
#include "image/image_data.h"
#include "image/var_model.h"
#include "image/vqvae.h"
#include "train/epoch_loop.h"
#include "train/lr_schedule.h"

namespace weft::image::detail {
namespace {

// The loop itself (shuffles, schedule, metrics, checkpoints, cancel, resume) is train::run_epoch_loop; a stage
// fills in what differs.
train::EpochLoop stage_loop(const StageContext& ctx) {
  train::EpochLoop loop;
  loop.batch = ctx.request.batch;
  loop.max_steps = ctx.request.max_steps;
  loop.seed = ctx.request.seed;
  loop.resume = ctx.request.resume;
  loop.request = ctx.request.to_json();
  loop.folder = ctx.folder;
  loop.progress_from = ctx.progress_from;
  loop.progress_to = ctx.progress_to;
  return loop;
}

std::vector<torch::Tensor> split_scales(const torch::Tensor& tokens_BL, const ModelConfig& cfg) {
  std::vector<torch::Tensor> out;
  int64_t at = 0;
  for (int si = 0; si < static_cast<int>(cfg.patch_nums.size()); ++si) {
    out.push_back(tokens_BL.slice(1, at, at + cfg.scale_tokens(si)));
    at += cfg.scale_tokens(si);
  }
  return out;
}

// Teacher-forcing input: next-scale models see the running f̂ resized to each scale; raster models the codes of
// the previous tokens.
torch::Tensor teacher_input(VarImpl& var, VqvaeImpl& vae, const torch::Tensor& tokens_BL) {
  torch::NoGradGuard no_grad;
  const auto& cfg = var.config();
  if (!cfg.var.raster) return vae.idx_to_var_input(split_scales(tokens_BL, cfg));
  const auto B = tokens_BL.size(0), L = tokens_BL.size(1);
  return vae.codebook().index_select(0, tokens_BL.slice(1, 0, L - 1).reshape(-1)).view({B, L - 1, -1});
}

// All pictures → their token sequences (N, L), in chunks, without gradients.
torch::Tensor tokenise(VqvaeImpl& vae, const torch::Tensor& images_u8, const StageContext& ctx) {
  torch::NoGradGuard no_grad;
  vae.eval();
  std::vector<torch::Tensor> rows;
  const int64_t N = images_u8.size(0), chunk = 256;
  for (int64_t i = 0; i < N; i += chunk) {
    ctx.cancel.throw_if_stopped();
    auto idx = vae.img_to_idx(to_unit_range(images_u8.slice(0, i, std::min(N, i + chunk))));
    rows.push_back(torch::cat(idx, 1));
    if ((i / chunk) % 8 == 0) ctx.sink.progress(ctx.progress_from, "tokenising " + std::to_string(i) + "/" + std::to_string(N));
  }
  return torch::cat(rows, 0);
}

}  // namespace

TokenizerOutcome train_tokenizer(VqvaeImpl& vae, const StageData& data, const StageContext& ctx) {
  const auto& req = ctx.request;
  const int V = vae.config().vqvae.vocab_size;
  torch::optim::Adam opt(vae.parameters(), torch::optim::AdamOptions(req.tokenizer_lr).betas({0.5, 0.9}));
  auto params = vae.parameters();
  auto idle = torch::zeros({V});  // hits since the last code restart
  TokenizerOutcome out;

  auto validate = [&] {
    torch::NoGradGuard no_grad;
    vae.eval();
    double se = 0;
    auto used = torch::zeros({V}, torch::kBool);
    const int64_t N = data.val_images.size(0);
    for (int64_t i = 0; i < N; i += 256) {
      auto x = to_unit_range(data.val_images.slice(0, i, std::min(N, i + 256)));
      auto pass = vae.train_pass(x, req.beta);
      se += torch::mse_loss(pass.reconstruction.clamp(-1, 1), x, torch::Reduction::Sum).item<double>();
      used |= pass.hits > 0;
    }
    out.val_mse = se / double(data.val_images.numel());
    out.code_usage = used.to(torch::kFloat).mean().item<double>();
    ctx.sink.log("tokenizer: held-out MSE " + std::to_string(out.val_mse) + ", codes used " +
                 std::to_string(int(std::lround(out.code_usage * V))) + "/" + std::to_string(V));
    return out.val_mse;
  };

  train::EpochLoop loop = stage_loop(ctx);
  loop.name = "tokenizer";
  loop.epochs = req.tokenizer_epochs;
  loop.count = data.train_images.size(0);
  loop.module = &vae;
  loop.optimizer = &opt;
  loop.schedule.kind = train::LrSchedule::Kind::WarmupCosine;
  loop.schedule.base_lr = req.tokenizer_lr;
  loop.schedule.min_lr = req.tokenizer_lr * 0.1;
  loop.schedule.warmup_steps = std::min(req.warmup_steps, 100);
  loop.step = [&](const torch::Tensor& rows, int step) {
    auto x = to_unit_range(data.train_images.index_select(0, rows));
    auto pass = vae.train_pass(x, req.beta);
    auto loss = torch::mse_loss(pass.reconstruction, x) + pass.vq_loss;
    opt.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(params, req.grad_clip);
    opt.step();
    // Dead-code restart: codes unused for 100 steps move onto latent vectors of the current batch, so a small
    // codebook is used fully (without it a few hundred codes stay at their random start).
    idle += pass.hits;
    if ((step + 1) % 100 == 0) {
      torch::NoGradGuard no_grad;
      auto dead = (idle == 0).nonzero().view(-1);
      if (dead.numel() > 0) {
        auto gen = cpu_generator(Rng::derive(req.seed, 0x434f4445ull + std::uint64_t(step)));
        auto pick = torch::randint(pass.residuals.size(0), {dead.size(0)}, gen);
        vae.named_parameters()["quantize.embedding.weight"].index_copy_(0, dead, pass.residuals.index_select(0, pick));
      }
      idle.zero_();
    }
    return loss.item<double>();
  };
  loop.validate = validate;
  out.steps = train::run_epoch_loop(loop, ctx.sink, ctx.cancel);
  if (out.val_mse < 0) validate();  // resumed a finished run: still report its figures
  vae.eval();
  return out;
}

TransformerOutcome train_transformer(VarImpl& var, VqvaeImpl& vae, const StageData& data, const StageContext& ctx) {
  const auto& req = ctx.request;
  const auto& cfg = var.config();
  const int V = cfg.vqvae.vocab_size;
  const auto train_tokens = tokenise(vae, data.train_images, ctx);
  const auto val_tokens = tokenise(vae, data.val_images, ctx);

  // Weight decay on matrices only, as the official trainer (norms, biases, embeddings and positions are exempt).
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& item : var.named_parameters()) {
    const auto& n = item.key();
    const bool embedding = n.find("embed") != std::string::npos || n.rfind("pos_", 0) == 0 || n == "class_emb.weight";
    (item.value().dim() >= 2 && !embedding ? decay : no_decay).push_back(item.value());
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(
                                 torch::optim::AdamWOptions(req.transformer_lr).betas({0.9, 0.95}).weight_decay(req.weight_decay)));
  groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(
                                    torch::optim::AdamWOptions(req.transformer_lr).betas({0.9, 0.95}).weight_decay(0.0)));
  torch::optim::AdamW opt(groups, torch::optim::AdamWOptions(req.transformer_lr).betas({0.9, 0.95}));
  auto params = var.parameters();
  namespace F = torch::nn::functional;
  TransformerOutcome out;

  auto validate = [&] {
    torch::NoGradGuard no_grad;
    var.eval();
    double nll = 0, correct = 0;
    const int64_t N = val_tokens.size(0);
    for (int64_t i = 0; i < N; i += 128) {
      auto tok = val_tokens.slice(0, i, std::min(N, i + 128));
      auto x = teacher_input(var, vae, tok);
      auto logits = var.forward(data.val_labels.slice(0, i, std::min(N, i + 128)), x).view({-1, V});
      nll += F::cross_entropy(logits, tok.reshape(-1), F::CrossEntropyFuncOptions().reduction(torch::kSum)).item<double>();
      correct += (logits.argmax(1) == tok.reshape(-1)).sum().item<double>();
    }
    out.val_loss = nll / double(val_tokens.numel());
    out.val_accuracy = correct / double(val_tokens.numel());
    ctx.sink.log("transformer: held-out cross-entropy " + std::to_string(out.val_loss) + " nats/token, accuracy " +
                 std::to_string(out.val_accuracy));
    return out.val_loss;
  };

  train::EpochLoop loop = stage_loop(ctx);
  loop.name = "transformer";
  loop.epochs = req.transformer_epochs;
  loop.count = train_tokens.size(0);
  loop.module = &var;
  loop.optimizer = &opt;
  loop.schedule.kind = train::LrSchedule::Kind::WarmupCosine;
  loop.schedule.base_lr = req.transformer_lr;
  loop.schedule.min_lr = req.transformer_lr * 0.1;
  loop.schedule.warmup_steps = req.warmup_steps;
  loop.step = [&](const torch::Tensor& rows, int step) {
    auto tok = train_tokens.index_select(0, rows);
    auto labels = data.train_labels.index_select(0, rows);
    auto gen = cpu_generator(Rng::derive(req.seed, 0x434c4153ull + std::uint64_t(step)));
    auto drop = torch::rand({labels.size(0)}, gen) < req.class_dropout;
    labels = torch::where(drop, torch::full_like(labels, cfg.var.num_classes), labels);
    auto x = teacher_input(var, vae, tok);
    auto logits = var.forward(labels, x);
    auto loss = F::cross_entropy(logits.view({-1, V}), tok.reshape(-1),
                                 F::CrossEntropyFuncOptions().label_smoothing(req.label_smoothing));
    opt.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(params, req.grad_clip);
    opt.step();
    return loss.item<double>();
  };
  loop.validate = validate;
  out.steps = train::run_epoch_loop(loop, ctx.sink, ctx.cancel);
  if (out.val_loss < 0) validate();
  var.eval();
  return out;
}

void init_transformer(VarImpl& var) {
  torch::NoGradGuard no_grad;
  const int C = var.config().var.width(), depth = var.config().var.depth;
  const double std_ = std::sqrt(1.0 / C / 3);
  auto trunc_normal = [&](torch::Tensor& t) { t.normal_(0, std_).clamp_(-2 * std_, 2 * std_); };
  for (auto& item : var.named_parameters()) {
    const auto& n = item.key();
    auto& p = item.value();
    if (n.find("scale_mul") != std::string::npos) continue;  // keeps its log(4) start
    if (p.dim() == 1 || (n.size() >= 4 && n.compare(n.size() - 4, 4, "bias") == 0)) {
      p.zero_();
      continue;
    }
    trunc_normal(p);
    if (n == "head.weight") p.mul_(0.02);
    else if (n == "head_nm.ada_lin.1.weight") p.mul_(0.5);
    else if (n.find("ada_lin.1.weight") != std::string::npos) {
      p.slice(0, 0, 2 * C).mul_(1e-5);  // gates γ1, γ2: each block starts near the identity
      p.slice(0, 2 * C).mul_(0.5);
    } else if (n.find("attn.proj.weight") != std::string::npos || n.find("ffn.fc2.weight") != std::string::npos) {
      p.div_(std::sqrt(2.0 * depth));
    }
  }
}

}  // namespace weft::image::detail
