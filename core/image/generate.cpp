#include "image/generate.h"

#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>

#include "common/rng.h"
#include "common/thread_scope.h"
#include "image/job_detail.h"
#include "image/model_io.h"
#include "image/sampler.h"

namespace weft::image {
namespace {

using clock_type = std::chrono::steady_clock;
double since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }

// (C, H, W) in [0,1] → 8-bit pixels, rows packed.
PreviewImage to_pixels(const torch::Tensor& chw) {
  auto u8 = chw.clamp(0, 1).mul(255).round().to(torch::kUInt8).permute({1, 2, 0}).contiguous();
  PreviewImage img;
  img.channels = static_cast<int>(chw.size(0));
  img.height = static_cast<int>(chw.size(1));
  img.width = static_cast<int>(chw.size(2));
  img.pixels.assign(u8.data_ptr<uint8_t>(), u8.data_ptr<uint8_t>() + u8.numel());
  return img;
}

// Decoded output as frame stacks (B, T', g·c, S, S), the tokenizer's own unit: a picture is one stack of one frame.
torch::Tensor as_stacks(const torch::Tensor& decoded, const ModelConfig& cfg) {
  if (!cfg.is_video()) return decoded.unsqueeze(1);
  return decoded.reshape({decoded.size(0), cfg.video.latent_frames(), -1, decoded.size(3), decoded.size(4)});
}
// Latent (B, Cvae, [T',] h, w) → (B, T', h, w, Cvae).
torch::Tensor latent_cells(const torch::Tensor& f) {
  return f.dim() == 4 ? f.permute({0, 2, 3, 1}).unsqueeze(1) : f.permute({0, 2, 3, 4, 1});
}

// Cheap preview: a linear map latent → RGB (of every frame a latent cell covers) fitted by ridge least squares
// against the real decoder on a few random token pyramids, applied at latent resolution and enlarged by nearest
// neighbour. One decoder pass per job instead of one per scale.
torch::Tensor fit_fast_preview(VqvaeImpl& vae) {
  auto gen = cpu_generator(0x70726576ull);  // fixed: the map depends only on the model
  const auto& cfg = vae.config();
  std::vector<torch::Tensor> idx;
  for (int si = 0; si < vae.scales(); ++si) idx.push_back(torch::randint(cfg.vqvae.vocab_size, {4, cfg.scale_tokens(si)}, gen));
  auto f = vae.idx_to_fhat(idx).back();
  auto stacks = as_stacks(vae.fhat_to_img(f).add(1).mul(0.5), cfg);  // (4, T', g·c, S, S)
  const int64_t h = vae.latent_size(), C = f.size(1), out = stacks.size(2);
  auto target = at::adaptive_avg_pool2d(stacks.flatten(0, 1), {h, h});
  auto cells = latent_cells(f).reshape({-1, C});
  auto X = torch::cat({cells, torch::ones({cells.size(0), 1})}, 1);
  auto Y = target.permute({0, 2, 3, 1}).reshape({-1, out});
  auto XtX = X.t().mm(X) + 1e-3 * torch::eye(X.size(1));
  return at::linalg_solve(XtX, X.t().mm(Y));  // (Cvae+1, g·channels)
}

// The map depends only on the weights, so it is fitted once per model file (and file time) in this process;
// a stale entry could only tint the previews, never the results.
torch::Tensor cached_fast_preview(VqvaeImpl& vae, const std::string& model_path) {
  static std::mutex mutex;
  static std::map<std::string, torch::Tensor> cache;
  std::error_code ec;
  const auto stamp = std::filesystem::last_write_time(model_path, ec).time_since_epoch().count();
  const std::string key = model_path + "@" + std::to_string(stamp);
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, fit_fast_preview(vae)).first;
  return it->second;
}

// Same layout as the decoder's output: (B, c, S, S) pictures or (B, T, c, S, S) clips, values in [0, 1].
torch::Tensor fast_preview(const torch::Tensor& f_hat, const torch::Tensor& map, const ModelConfig& cfg) {
  const int64_t B = f_hat.size(0), S = cfg.image_size();
  auto cells = latent_cells(f_hat);  // (B, T', h, w, C)
  const auto Tq = cells.size(1), h = cells.size(2), w = cells.size(3);
  auto X = torch::cat({cells.reshape({-1, cells.size(4)}), torch::ones({cells.numel() / cells.size(4), 1})}, 1);
  auto stacks = X.mm(map).reshape({B * Tq, h, w, -1}).permute({0, 3, 1, 2}).contiguous();
  auto big = at::upsample_nearest2d(stacks, {S, S});
  if (!cfg.is_video()) return big;
  return big.reshape({B, cfg.video.frames, cfg.vqvae.in_channels, S, S});
}

// Pictures (B, C, H, W) → one row of B pictures side by side; clips (B, T, C, H, W) → one row of frames per clip.
PreviewImage tile(const torch::Tensor& imgs) {
  if (imgs.dim() == 4) return to_pixels(torch::cat(imgs.unbind(0), 2));
  std::vector<torch::Tensor> rows;
  for (const auto& clip : imgs.unbind(0)) rows.push_back(torch::cat(clip.unbind(0), 2));
  return to_pixels(torch::cat(rows, 1));
}

}  // namespace

const char* preview_mode_name(PreviewMode m) {
  switch (m) {
    case PreviewMode::None: return "none";
    case PreviewMode::Fast: return "fast";
    case PreviewMode::Full: break;
  }
  return "full";
}

PreviewMode preview_mode_from_name(const std::string& s) {
  if (s == "none") return PreviewMode::None;
  if (s == "full") return PreviewMode::Full;
  if (s == "fast") return PreviewMode::Fast;
  throw Error("unknown preview mode \"" + s + "\" (none, fast, full)", "image generate");
}

Json GenerateRequest::to_json() const {
  return {{"model", model}, {"class_id", class_id}, {"seed", seed}, {"cfg", cfg}, {"top_k", top_k},
          {"top_p", top_p}, {"count", count}, {"batch", batch}, {"preview", preview_mode_name(preview)},
          {"threads", threads}};
}

GenerateRequest GenerateRequest::from_json(const Json& j) {
  GenerateRequest r;
  const char* where = "image generate request";
  r.model = json_get(j, "model", r.model, where);
  r.class_id = json_get(j, "class_id", r.class_id, where);
  r.seed = json_get(j, "seed", r.seed, where);
  r.cfg = json_get(j, "cfg", r.cfg, where);
  r.top_k = json_get(j, "top_k", r.top_k, where);
  r.top_p = json_get(j, "top_p", r.top_p, where);
  r.count = json_get(j, "count", r.count, where);
  r.batch = json_get(j, "batch", r.batch, where);
  r.preview = preview_mode_from_name(json_get<std::string>(j, "preview", preview_mode_name(r.preview), where));
  r.threads = json_get(j, "threads", r.threads, where);
  r.validate();
  return r;
}

void GenerateRequest::validate() const {
  const char* where = "image generate request";
  if (model.empty()) throw Error("no model given", where);
  if (!(cfg >= 0 && cfg <= 100)) throw Error("cfg must be between 0 and 100", where);
  if (top_k < 0) throw Error("top_k must be 0 (off) or positive", where);
  if (!(top_p >= 0 && top_p <= 1)) throw Error("top_p must be between 0 and 1", where);
  if (count < 1 || count > 100000) throw Error("count must be between 1 and 100000", where);
  if (batch < 1 || batch > 1024) throw Error("batch must be between 1 and 1024", where);
  if (threads < 1 || threads > 1024) throw Error("threads must be between 1 and 1024", where);
}

Json GenerateResult::to_json() const {
  Json j = result_metadata(job, job_request.is_null() ? request.to_json() : job_request);
  j["images"] = images.size();
  if (!clips.empty()) {
    j["clips"] = clips.size();
    j["frames"] = clips.front().size();
    j["fps"] = fps;
  }
  j["seconds"] = seconds;
  j["preview_seconds"] = preview_seconds;
  return j;
}

GenerateResult generate(const GenerateRequest& req, ProgressSink& sink, const CancelToken& cancel) {
  return detail::run_sampling_job(req, sink, cancel, {}, MediaKind::Pictures);
}

GenerateResult generate_video(const GenerateRequest& req, ProgressSink& sink, const CancelToken& cancel) {
  return detail::run_sampling_job(req, sink, cancel, {}, MediaKind::Clips);
}

namespace detail {

GenerateResult run_sampling_job(const GenerateRequest& req, ProgressSink& sink, const CancelToken& cancel,
                                const PrepareBatch& prepare, MediaKind kind) {
  const auto t0 = clock_type::now();
  req.validate();
  ThreadScope thread_scope(req.threads);
  torch::NoGradGuard no_grad;
  sink.progress(0.0, "loading model");
  auto model = load_image_model(req.model, kind);
  const auto& cfg = model->config;
  if (req.class_id >= cfg.var.num_classes)
    throw Error("class " + std::to_string(req.class_id) + " is out of range: the model has " +
                    std::to_string(cfg.var.num_classes) + " classes (0 to " + std::to_string(cfg.var.num_classes - 1) +
                    ", or negative for unconditional)", req.model);

  GenerateResult res;
  res.request = req;
  if (cfg.is_video()) {
    res.job = "video-generate";
    res.fps = cfg.video.fps;
  }
  torch::Tensor fast_map;
  if (req.preview == PreviewMode::Fast) {
    const auto tp = clock_type::now();
    fast_map = cached_fast_preview(*model->vqvae, req.model);
    res.preview_seconds += since(tp);
  }
  auto gen = cpu_generator(req.seed);
  std::function<void(SampleOptions&, int)> per_batch;
  if (prepare) per_batch = prepare(*model);
  const int K = static_cast<int>(cfg.patch_nums.size());
  const int batches = (req.count + req.batch - 1) / req.batch;
  for (int b = 0; b < batches; ++b) {
    if (b > 0 && cancel.stop_after_current()) break;  // "after current": finish the running batch only
    const int n = std::min(req.batch, req.count - b * req.batch);
    SampleOptions opts;
    opts.labels.assign(n, req.class_id < 0 ? -1 : req.class_id);
    opts.cfg = req.cfg;
    opts.top_k = req.top_k;
    opts.top_p = req.top_p;
    if (per_batch) per_batch(opts, n);
    auto after_scale = [&](int si, const torch::Tensor& f_hat) {
      cancel.throw_if_stopped();
      const std::string stage = "scale " + std::to_string(si + 1) + "/" + std::to_string(K) +
                                (batches > 1 ? ", batch " + std::to_string(b + 1) + "/" + std::to_string(batches) : "");
      if (req.preview != PreviewMode::None) {
        const auto tp = clock_type::now();
        auto img = req.preview == PreviewMode::Full ? model->vqvae->fhat_to_img(f_hat).add(1).mul(0.5)
                                                    : fast_preview(f_hat, fast_map, cfg);
        sink.preview(Preview{si, K, stage, tile(img)});
        res.preview_seconds += since(tp);
      }
      sink.progress(double(b * K + si + 1) / double(batches * K), stage);
    };
    auto trace = sample(*model->var, *model->vqvae, opts, gen, after_scale);
    for (int i = 0; i < n; ++i) {
      if (cfg.is_video()) {
        std::vector<PreviewImage> frames;
        for (const auto& frame : trace.image[i].unbind(0)) frames.push_back(to_pixels(frame));
        res.clips.push_back(std::move(frames));
      } else {
        res.images.push_back(to_pixels(trace.image[i]));
      }
      std::vector<std::vector<int>> per_scale;
      for (const auto& idx : trace.idx) {
        auto row = idx[i].to(torch::kInt).contiguous();
        per_scale.emplace_back(row.data_ptr<int>(), row.data_ptr<int>() + row.numel());
      }
      res.tokens.push_back(std::move(per_scale));
    }
  }
  res.seconds = since(t0);
  return res;
}

}  // namespace detail
}  // namespace weft::image
