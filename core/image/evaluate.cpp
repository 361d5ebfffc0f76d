#include "image/evaluate.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "common/rng.h"
#include "common/thread_scope.h"
#include "image/classifier.h"
#include "image/clip_motion.h"
#include "image/generate.h"
#include "image/clip_data.h"
#include "image/image_data.h"
#include "image/model_io.h"

namespace weft::image {
namespace {

constexpr const char* kWhere = "image eval request";

torch::Tensor to_tensor(const std::vector<PreviewImage>& images) {
  std::vector<torch::Tensor> out;
  for (const auto& im : images)
    out.push_back(torch::from_blob(const_cast<uint8_t*>(im.pixels.data()), {im.height, im.width, im.channels}, torch::kUInt8)
                      .permute({2, 0, 1})
                      .clone());
  return torch::stack(out);
}

// Generated pictures (N, C, S, S) or clips (N, T, C, S, S) as uint8.
torch::Tensor result_tensor(const GenerateResult& g) {
  if (g.clips.empty()) return to_tensor(g.images);
  std::vector<torch::Tensor> clips;
  for (const auto& c : g.clips) clips.push_back(to_tensor(c));
  return torch::stack(clips);
}

ImageSet load_set(const ModelConfig& cfg, const std::string& source, int limit, std::uint64_t seed) {
  if (cfg.is_video()) return load_clip_set({source, cfg.video.frames, cfg.image_size(), cfg.vqvae.in_channels, limit, seed});
  return load_image_set({source, cfg.image_size(), cfg.vqvae.in_channels, limit});
}

}  // namespace

Json ImageEvalRequest::to_json() const {
  return {{"model", model}, {"classifier", classifier}, {"reference", reference},
          {"reference_limit", reference_limit}, {"train_data", train_data},
          {"baseline", baseline}, {"per_class", per_class}, {"cfg", cfg}, {"top_k", top_k}, {"top_p", top_p}, {"seed", seed},
          {"batch", batch}, {"threads", threads}};
}

ImageEvalRequest ImageEvalRequest::from_json(const Json& j) {
  ImageEvalRequest r;
#define WEFT_FIELD(name) r.name = json_get(j, #name, r.name, kWhere)
  WEFT_FIELD(model); WEFT_FIELD(classifier); WEFT_FIELD(reference); WEFT_FIELD(reference_limit); WEFT_FIELD(train_data); WEFT_FIELD(baseline); WEFT_FIELD(per_class);
  WEFT_FIELD(cfg); WEFT_FIELD(top_k); WEFT_FIELD(top_p); WEFT_FIELD(seed); WEFT_FIELD(batch); WEFT_FIELD(threads);
#undef WEFT_FIELD
  r.validate();
  return r;
}

void ImageEvalRequest::validate() const {
  if (model.empty()) throw Error("no model given", kWhere);
  if (reference_limit < 0) throw Error("reference_limit must be 0 (all) or positive", kWhere);
  if (per_class < 2 || per_class > 100000) throw Error("per_class must be between 2 and 100000", kWhere);
  if (batch < 1 || batch > 1024 || threads < 1 || threads > 1024) throw Error("batch 1–1024, threads 1–1024", kWhere);
}

Json ImageEvalResult::to_json() const {
  Json j = result_metadata("image-eval", request.to_json());
  j["samples"] = samples;
  j["class_consistency"] = class_consistency;
  j["per_class"] = per_class;
  j["class_names"] = class_names;
  j["frechet"] = frechet;
  j["frechet_real"] = frechet_real;
  j["frechet_reconstructed"] = frechet_reconstructed;
  if (reconstructed_class_consistency >= 0) j["reconstructed_class_consistency"] = reconstructed_class_consistency;
  j["classifier_accuracy"] = classifier_accuracy;
  j["ms_per_image"] = ms_per_image;
  if (frames > 0) {
    j["frames"] = frames;
    j["ms_per_clip"] = ms_per_image;
    j["frame_change"] = frame_change;
    j["frame_change_real"] = frame_change_real;
    if (frame_change_reconstructed >= 0) j["frame_change_reconstructed"] = frame_change_reconstructed;
    if (step_ratio >= 0) {
      j["frame_group"] = frame_group;
      j["step_ratio"] = step_ratio;
      j["step_ratio_real"] = step_ratio_real;
      if (step_ratio_reconstructed >= 0) j["step_ratio_reconstructed"] = step_ratio_reconstructed;
    }
    if (baseline_class_consistency >= 0)
      j["baseline"] = {{"model", request.baseline}, {"class_consistency", baseline_class_consistency},
                       {"frechet", baseline_frechet}, {"frame_change", baseline_frame_change},
                       {"ms_per_clip", baseline_ms_per_clip}};
  }
  j["seconds"] = seconds;
  return j;
}

std::string ImageEvalResult::table() const {
  char buf[512];
  std::string s;
  const char* what = frames > 0 ? "clips" : "pictures";
  std::snprintf(buf, sizeof buf, "generated %-13s %d (cfg %.2f, top-k %d, top-p %.2f, seed %llu)\n", what, samples,
                request.cfg, request.top_k, request.top_p, static_cast<unsigned long long>(request.seed));
  s += buf;
  std::snprintf(buf, sizeof buf, "class-consistency       %.1f %%  (classifier accuracy on real %s %.1f %%)\n",
                100 * class_consistency, what, 100 * classifier_accuracy);
  s += buf;
  std::snprintf(buf, sizeof buf, "Fréchet distance        %.2f generated", frechet);
  s += buf;
  if (frechet_real >= 0) {
    std::snprintf(buf, sizeof buf, ", %.2f tokenizer reconstructions, %.2f real training %s", frechet_reconstructed,
                  frechet_real, what);
    s += buf;
  }
  if (reconstructed_class_consistency >= 0) {
    std::snprintf(buf, sizeof buf, "\ntokenizer ceiling       %.1f %% of reconstructed real %s classified as their class",
                  100 * reconstructed_class_consistency, what);
    s += buf;
  }
  std::snprintf(buf, sizeof buf, "\nsampling                %.1f ms/%s\n", ms_per_image, frames > 0 ? "clip" : "picture");
  s += buf;
  if (frames > 0) {
    std::snprintf(buf, sizeof buf, "frame-to-frame change   %.4f generated, %.4f real clips", frame_change, frame_change_real);
    s += buf;
    if (frame_change_reconstructed >= 0) {
      std::snprintf(buf, sizeof buf, ", %.4f tokenizer reconstructions", frame_change_reconstructed);
      s += buf;
    }
    s += "\n";
  }
  if (step_ratio >= 0) {
    std::snprintf(buf, sizeof buf, "motion across/inside %d-frame groups  %.2f generated, %.2f real clips", frame_group,
                  step_ratio, step_ratio_real);
    s += buf;
    if (step_ratio_reconstructed >= 0) {
      std::snprintf(buf, sizeof buf, ", %.2f tokenizer reconstructions", step_ratio_reconstructed);
      s += buf;
    }
    s += "\n";
  }
  if (baseline_class_consistency >= 0) {
    std::snprintf(buf, sizeof buf,
                  "per-frame baseline      class-consistency %.1f %%, Fréchet %.2f, frame change %.4f, %.1f ms/clip\n",
                  100 * baseline_class_consistency, baseline_frechet, baseline_frame_change, baseline_ms_per_clip);
    s += buf;
  }
  for (size_t c = 0; c < per_class.size(); ++c) {
    std::snprintf(buf, sizeof buf, "  %-14s %5.1f %%\n", c < class_names.size() ? class_names[c].c_str() : "?", 100 * per_class[c]);
    s += buf;
  }
  return s;
}

ImageEvalResult evaluate_image_model(const ImageEvalRequest& req, ProgressSink& sink, const CancelToken& cancel) {
  const auto t0 = std::chrono::steady_clock::now();
  req.validate();
  ThreadScope scope(req.threads);
  torch::NoGradGuard no_grad;
  ImageEvalResult res;
  res.request = req;
  const std::string classifier_path =
      req.classifier.empty() ? (std::filesystem::path(req.model).parent_path() / "classifier.safetensors").string() : req.classifier;
  const auto classifier = Classifier::load(classifier_path);
  const auto model = load_image_model(req.model, MediaKind::Any);
  const auto& cfg = model->config;
  const int classes = cfg.var.num_classes;
  const int frames = cfg.is_video() ? cfg.video.frames : 0;
  if (frames != classifier->frames())
    throw Error("the classifier judges " + (classifier->frames() > 0 ? std::to_string(classifier->frames()) + "-frame clips" : std::string("pictures")) +
                    ", the model makes " + (frames > 0 ? std::to_string(frames) + "-frame clips" : std::string("pictures")), classifier_path);
  if (!req.baseline.empty() && frames == 0) throw Error("a per-frame baseline only applies to video models", req.baseline);
  res.frames = frames;
  if (classes != classifier->classes() || model->config.image_size() != classifier->size())
    throw Error("the classifier (" + std::to_string(classifier->classes()) + " classes, " + std::to_string(classifier->size()) +
                    " px) does not match the model (" + std::to_string(classes) + " classes, " +
                    std::to_string(model->config.image_size()) + " px)", classifier_path);
  res.class_names = model->config.class_names;

  sink.progress(0, frames > 0 ? "loading reference clips" : "loading reference pictures");
  const ImageSet reference = load_set(cfg, req.reference, req.reference_limit, req.seed);
  if (frames > 0) {
    res.frame_change_real = frame_change(reference.images);
    res.frame_group = cfg.video.frame_group;
    res.step_ratio_real = step_ratio(reference.images, res.frame_group);
  }
  torch::Tensor ref_logits, ref_features;
  classifier->run(reference.images, &ref_logits, &ref_features);
  res.classifier_accuracy = (ref_logits.argmax(1) == reference.labels).to(torch::kDouble).mean().item<double>();

  // Generated pictures, per class, with a seed per class derived from the request's.
  std::vector<torch::Tensor> features, generated;
  int64_t consistent = 0;
  double sampling_seconds = 0;
  for (int c = 0; c < classes; ++c) {
    cancel.throw_if_stopped();
    GenerateRequest g;
    g.model = req.model;
    g.class_id = c;
    g.seed = Rng::derive(req.seed, std::uint64_t(c));
    g.cfg = req.cfg;
    g.top_k = req.top_k;
    g.top_p = req.top_p;
    g.count = req.per_class;
    g.batch = req.batch;
    g.preview = PreviewMode::None;
    g.threads = req.threads;
    NullSink quiet;
    const auto t = std::chrono::steady_clock::now();
    const auto gen = frames > 0 ? generate_video(g, quiet, cancel) : generate(g, quiet, cancel);
    sampling_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
    torch::Tensor logits, feats;
    const auto made = result_tensor(gen);
    if (frames > 0) generated.push_back(made);
    classifier->run(made, &logits, &feats);
    const int64_t ok = (logits.argmax(1) == c).sum().item<int64_t>();
    res.per_class.push_back(double(ok) / double(req.per_class));
    consistent += ok;
    features.push_back(feats);
    sink.progress(0.8 * double(c + 1) / classes, "generated class " + std::to_string(c + 1) + "/" + std::to_string(classes));
  }
  res.samples = classes * req.per_class;
  res.class_consistency = double(consistent) / double(res.samples);
  res.ms_per_image = 1000.0 * sampling_seconds / res.samples;
  res.frechet = frechet_distance(torch::cat(features), ref_features);
  if (frames > 0) {
    const auto all = torch::cat(generated);
    res.frame_change = frame_change(all);
    res.step_ratio = step_ratio(all, res.frame_group);
  }

  if (!req.baseline.empty()) {
    // Clips whose T frames the picture model draws independently (same class, one seed per class).
    std::vector<torch::Tensor> base_features, base_clips;
    int64_t base_ok = 0;
    double base_seconds = 0;
    for (int c = 0; c < classes; ++c) {
      cancel.throw_if_stopped();
      GenerateRequest g;
      g.model = req.baseline;
      g.class_id = c;
      g.seed = Rng::derive(req.seed, 0x42415345ull + std::uint64_t(c));
      g.cfg = req.cfg;
      g.top_k = req.top_k;
      g.top_p = req.top_p;
      g.count = req.per_class * frames;
      g.batch = std::max(req.batch, frames);
      g.preview = PreviewMode::None;
      g.threads = req.threads;
      NullSink quiet;
      const auto t = std::chrono::steady_clock::now();
      const auto gen = generate(g, quiet, cancel);
      base_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
      auto pics = to_tensor(gen.images);
      if (pics.size(2) != classifier->size() || pics.size(1) != classifier->channels())
        throw Error("the baseline picture model's size or channels differ from the video model's", req.baseline);
      auto clips = pics.view({req.per_class, frames, pics.size(1), pics.size(2), pics.size(3)});
      torch::Tensor logits, feats;
      classifier->run(clips, &logits, &feats);
      base_ok += (logits.argmax(1) == c).sum().item<int64_t>();
      base_features.push_back(feats);
      base_clips.push_back(clips);
      sink.progress(0.8 + 0.05 * double(c + 1) / classes, "per-frame baseline, class " + std::to_string(c + 1));
    }
    res.baseline_class_consistency = double(base_ok) / double(res.samples);
    res.baseline_frechet = frechet_distance(torch::cat(base_features), ref_features);
    res.baseline_frame_change = frame_change(torch::cat(base_clips));
    res.baseline_ms_per_clip = 1000.0 * base_seconds / res.samples;
  }

  if (!req.train_data.empty()) {
    sink.progress(0.85, "reference distances");
    const ImageSet real = load_set(cfg, req.train_data, res.samples, req.seed);
    torch::Tensor real_features, rec_features, rec_logits;
    classifier->run(real.images, nullptr, &real_features);
    res.frechet_real = frechet_distance(real_features, ref_features);
    std::vector<torch::Tensor> rec;
    for (int64_t i = 0; i < real.count(); i += 256) {
      auto x = to_unit_range(real.images.slice(0, i, std::min(real.count(), i + 256)));
      auto img = model->vqvae->idx_to_img(model->vqvae->img_to_idx(x));
      rec.push_back(img.add(1).mul(127.5).round().clamp(0, 255).to(torch::kUInt8));
    }
    const auto reconstructed = torch::cat(rec);
    classifier->run(reconstructed, &rec_logits, &rec_features);
    if (frames > 0) {
      res.frame_change_reconstructed = frame_change(reconstructed);
      res.step_ratio_reconstructed = step_ratio(reconstructed, res.frame_group);
    }
    res.frechet_reconstructed = frechet_distance(rec_features, ref_features);
    // The tokenizer's ceiling: a generator can only be as recognisable as the codes it draws with.
    res.reconstructed_class_consistency =
        rec_logits.argmax(1).eq(real.labels).to(torch::kDouble).mean().item<double>();
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  sink.progress(1, "done");
  return res;
}

}  // namespace weft::image
