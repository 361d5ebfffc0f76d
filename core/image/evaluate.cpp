#include "image/evaluate.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "common/rng.h"
#include "common/thread_scope.h"
#include "image/classifier.h"
#include "image/generate.h"
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

}  // namespace

Json ImageEvalRequest::to_json() const {
  return {{"model", model}, {"classifier", classifier}, {"reference", reference},
          {"reference_limit", reference_limit}, {"train_data", train_data},
          {"per_class", per_class}, {"cfg", cfg}, {"top_k", top_k}, {"top_p", top_p}, {"seed", seed},
          {"batch", batch}, {"threads", threads}};
}

ImageEvalRequest ImageEvalRequest::from_json(const Json& j) {
  ImageEvalRequest r;
#define WEFT_FIELD(name) r.name = json_get(j, #name, r.name, kWhere)
  WEFT_FIELD(model); WEFT_FIELD(classifier); WEFT_FIELD(reference); WEFT_FIELD(reference_limit); WEFT_FIELD(train_data); WEFT_FIELD(per_class);
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
  j["classifier_accuracy"] = classifier_accuracy;
  j["ms_per_image"] = ms_per_image;
  j["seconds"] = seconds;
  return j;
}

std::string ImageEvalResult::table() const {
  char buf[512];
  std::string s;
  std::snprintf(buf, sizeof buf, "generated pictures      %d (cfg %.2f, top-k %d, top-p %.2f, seed %llu)\n", samples,
                request.cfg, request.top_k, request.top_p, static_cast<unsigned long long>(request.seed));
  s += buf;
  std::snprintf(buf, sizeof buf, "class-consistency       %.1f %%  (classifier accuracy on real pictures %.1f %%)\n",
                100 * class_consistency, 100 * classifier_accuracy);
  s += buf;
  std::snprintf(buf, sizeof buf, "Fréchet distance        %.2f generated", frechet);
  s += buf;
  if (frechet_real >= 0) {
    std::snprintf(buf, sizeof buf, ", %.2f tokenizer reconstructions, %.2f real training pictures", frechet_reconstructed, frechet_real);
    s += buf;
  }
  std::snprintf(buf, sizeof buf, "\nsampling                %.1f ms/picture\n", ms_per_image);
  s += buf;
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
  const auto model = load_image_model(req.model);
  const int classes = model->config.var.num_classes;
  if (classes != classifier->classes() || model->config.image_size() != classifier->size())
    throw Error("the classifier (" + std::to_string(classifier->classes()) + " classes, " + std::to_string(classifier->size()) +
                    " px) does not match the model (" + std::to_string(classes) + " classes, " +
                    std::to_string(model->config.image_size()) + " px)", classifier_path);
  res.class_names = model->config.class_names;

  sink.progress(0, "loading reference pictures");
  const ImageSet reference = load_image_set({req.reference, classifier->size(), classifier->channels(), req.reference_limit});
  torch::Tensor ref_logits, ref_features;
  classifier->run(reference.images, &ref_logits, &ref_features);
  res.classifier_accuracy = (ref_logits.argmax(1) == reference.labels).to(torch::kDouble).mean().item<double>();

  // Generated pictures, per class, with a seed per class derived from the request's.
  std::vector<torch::Tensor> features;
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
    const auto gen = generate(g, quiet, cancel);
    sampling_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
    torch::Tensor logits, feats;
    classifier->run(to_tensor(gen.images), &logits, &feats);
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

  if (!req.train_data.empty()) {
    sink.progress(0.85, "reference distances");
    const ImageSet real = load_image_set({req.train_data, classifier->size(), classifier->channels(), res.samples});
    torch::Tensor real_features, rec_features;
    classifier->run(real.images, nullptr, &real_features);
    res.frechet_real = frechet_distance(real_features, ref_features);
    std::vector<torch::Tensor> rec;
    for (int64_t i = 0; i < real.count(); i += 256) {
      auto x = to_unit_range(real.images.slice(0, i, std::min(real.count(), i + 256)));
      auto img = model->vqvae->idx_to_img(model->vqvae->img_to_idx(x));
      rec.push_back(img.add(1).mul(127.5).round().clamp(0, 255).to(torch::kUInt8));
    }
    classifier->run(torch::cat(rec), nullptr, &rec_features);
    res.frechet_reconstructed = frechet_distance(rec_features, ref_features);
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  sink.progress(1, "done");
  return res;
}

}  // namespace weft::image
