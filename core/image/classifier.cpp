#include "image/classifier.h"

#include <torch/torch.h>

#include <chrono>
#include <filesystem>

#include "common/rng.h"
#include "common/thread_scope.h"
#include "common/safetensors.h"
#include "common/torch_bridge.h"
#include "image/clip_data.h"
#include "image/image_data.h"

namespace weft::image {
namespace {

constexpr const char* kWhere = "image classifier";
constexpr int kFeatures = 128;

// conv(3×3) + GroupNorm + SiLU, three times with 2× pooling between, global average → 128 features → classes.
struct NetImpl : torch::nn::Module {
  NetImpl(int channels, int classes) {
    auto block = [&](const char* name, int in, int out) {
      return register_module(name, torch::nn::Sequential(
                                       torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1)),
                                       torch::nn::GroupNorm(8, out), torch::nn::SiLU(),
                                       torch::nn::Conv2d(torch::nn::Conv2dOptions(out, out, 3).padding(1)),
                                       torch::nn::GroupNorm(8, out), torch::nn::SiLU()));
    };
    b1 = block("b1", channels, 32);
    b2 = block("b2", 32, 64);
    b3 = block("b3", 64, kFeatures);
    head = register_module("head", torch::nn::Linear(kFeatures, classes));
  }
  torch::Tensor features(const torch::Tensor& x) {
    auto h = torch::max_pool2d(b1->forward(x), 2);
    h = torch::max_pool2d(b2->forward(h), 2);
    return b3->forward(h).mean({2, 3});
  }
  torch::nn::Sequential b1{nullptr}, b2{nullptr}, b3{nullptr};
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(Net);

// Clips are judged with their frames stacked in the channels: (N, T, C, S, S) → (N, T·C, S, S).
torch::Tensor stack_frames(const torch::Tensor& x) { return x.dim() == 5 ? x.flatten(1, 2) : x; }

// Training-time augmentation for clip judges: half the clips are blurred by a random amount (up to two passes of a
// 5×5 Gaussian, σ 1 px each) and get faint noise. A generator's frames come through its tokenizer, and a judge that
// has only seen crisp renderings called the tokenizer's own faithful reconstructions of real clips the wrong class
// about half the time (the shape's corners soften) — it judged the edges, not the shape and its motion.
torch::Tensor soften(const torch::Tensor& x, std::uint64_t seed) {
  auto gen = cpu_generator(seed);
  const int64_t n = x.size(0), c = x.size(1);
  auto k1 = torch::arange(-2, 3, torch::kFloat).square().div(-2.0).exp();
  auto k = torch::outer(k1, k1);
  k = (k / k.sum()).view({1, 1, 5, 5}).expand({c, 1, 5, 5}).contiguous();
  namespace F = torch::nn::functional;
  auto blur = [&](const torch::Tensor& t) {
    return F::conv2d(F::pad(t, F::PadFuncOptions({2, 2, 2, 2}).mode(torch::kReplicate)), k,
                     F::Conv2dFuncOptions().groups(c));
  };
  const auto b1 = blur(x), b2 = blur(b1);
  const auto amount = (torch::rand({n, 1, 1, 1}, gen) * 2).to(x.dtype());  // 0–1: towards b1, 1–2: towards b2
  const auto soft = torch::where(amount <= 1, x + amount * (b1 - x), b1 + (amount - 1) * (b2 - b1));
  const auto noisy = soft + 0.03 * torch::randn(x.sizes(), gen).to(x.dtype());
  const auto pick = (torch::rand({n, 1, 1, 1}, gen) < 0.5);
  return torch::where(pick, noisy.clamp(-1, 1), x);
}

ImageSet load_set(const ClassifierTrainRequest& req, const std::string& source, int limit) {
  if (req.frames > 0) return load_clip_set({source, req.frames, req.size, req.channels, limit, req.seed});
  return load_image_set({source, req.size, req.channels, limit});
}

double accuracy(NetImpl& net, const ImageSet& set) {
  torch::NoGradGuard no_grad;
  net.eval();
  int64_t correct = 0;
  for (int64_t i = 0; i < set.count(); i += 256) {
    auto x = stack_frames(to_unit_range(set.images.slice(0, i, std::min(set.count(), i + 256))));
    correct += (net.head->forward(net.features(x)).argmax(1) == set.labels.slice(0, i, i + x.size(0))).sum().item<int64_t>();
  }
  return double(correct) / double(std::max<int64_t>(1, set.count()));
}

}  // namespace

struct Classifier::Impl {
  Net net{nullptr};
  int classes = 0, size = 0, channels = 0, frames = 0;
  std::vector<std::string> names;
};

Json ClassifierTrainRequest::to_json() const {
  return {{"data", data}, {"out", out}, {"size", size}, {"channels", channels}, {"frames", frames}, {"epochs", epochs},
          {"batch", batch}, {"lr", lr}, {"limit", limit}, {"seed", seed}, {"threads", threads}};
}

ClassifierTrainRequest ClassifierTrainRequest::from_json(const Json& j) {
  ClassifierTrainRequest r;
#define WEFT_FIELD(name) r.name = json_get(j, #name, r.name, kWhere)
  WEFT_FIELD(data); WEFT_FIELD(out); WEFT_FIELD(size); WEFT_FIELD(channels); WEFT_FIELD(frames); WEFT_FIELD(epochs);
  WEFT_FIELD(batch); WEFT_FIELD(lr); WEFT_FIELD(limit); WEFT_FIELD(seed); WEFT_FIELD(threads);
#undef WEFT_FIELD
  r.validate();
  return r;
}

void ClassifierTrainRequest::validate() const {
  if (out.empty()) throw Error("no output file given", kWhere);
  if (epochs < 1 || epochs > 1000 || batch < 1 || batch > 4096) throw Error("epochs 1–1000 and batch 1–4096", kWhere);
  if (!(lr > 0 && lr < 1)) throw Error("lr must be in (0, 1)", kWhere);
  if (size < 8 || size > 256 || (channels != 1 && channels != 3)) throw Error("size 8–256 px, channels 1 or 3", kWhere);
  if (threads < 1 || threads > 1024 || limit < 0) throw Error("threads 1–1024, limit ≥ 0", kWhere);
  if (frames < 0 || frames > 256) throw Error("frames must be 0 (pictures) to 256", kWhere);
}

Json ClassifierTrainResult::to_json() const {
  Json j = result_metadata("image-classifier", request.to_json());
  j["test_accuracy"] = test_accuracy;
  j["classes"] = classes;
  j["seconds"] = seconds;
  return j;
}

ClassifierTrainResult train_classifier(const ClassifierTrainRequest& req, ProgressSink& sink, const CancelToken& cancel) {
  const auto t0 = std::chrono::steady_clock::now();
  req.validate();
  ThreadScope scope(req.threads);
  sink.progress(0, req.frames > 0 ? "loading clips" : "loading pictures");
  ImageSet all = load_set(req, req.data, req.limit);
  ImageSet train = all, test;
  if (is_builtin_source(req.data)) {
    test = load_set(req, builtin_test_split(req.data), 0);
  } else {  // a folder: hold out a seeded tenth
    auto order = torch::randperm(all.count(), cpu_generator(Rng::derive(req.seed, 0x56414cull)));
    const int64_t n_test = std::max<int64_t>(1, all.count() / 10);
    test.images = all.images.index_select(0, order.slice(0, 0, n_test));
    test.labels = all.labels.index_select(0, order.slice(0, 0, n_test));
    train.images = all.images.index_select(0, order.slice(0, n_test));
    train.labels = all.labels.index_select(0, order.slice(0, n_test));
  }
  const int classes = static_cast<int>(all.class_names.size());
  torch::manual_seed(Rng::derive(req.seed, 1));
  Net net(req.channels * std::max(1, req.frames), classes);
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(req.lr));
  const int64_t N = train.count();
  const int per_epoch = static_cast<int>(std::max<int64_t>(1, N / req.batch));
  for (int e = 0; e < req.epochs; ++e) {
    net->train();
    auto order = torch::randperm(N, cpu_generator(Rng::derive(req.seed, 100 + std::uint64_t(e))));
    for (int b = 0; b < per_epoch; ++b) {
      cancel.throw_if_stopped();
      auto rows = order.slice(0, int64_t(b) * req.batch, int64_t(b + 1) * req.batch);
      auto x = stack_frames(to_unit_range(train.images.index_select(0, rows)));
      // Light augmentation (random horizontal flips) so features describe garments, not exact pixels. Not for
      // clips: a flip turns motion to the right into motion to the left.
      const std::uint64_t step_seed = Rng::derive(req.seed, 1u << 20 | std::uint64_t(e * per_epoch + b));
      if (req.frames == 0) {
        auto flip = torch::rand({x.size(0)}, cpu_generator(step_seed)) < 0.5;
        x = torch::where(flip.view({-1, 1, 1, 1}), x.flip(3), x);
      } else {
        x = soften(x, step_seed);
      }
      for (auto& g : opt.param_groups())
        g.options().set_lr(req.lr * 0.5 * (1 + std::cos(M_PI * double(e * per_epoch + b) / (req.epochs * per_epoch))));
      auto loss = torch::cross_entropy_loss(net->head->forward(net->features(x)), train.labels.index_select(0, rows));
      opt.zero_grad();
      loss.backward();
      opt.step();
      if (b % 16 == 0)
        sink.progress(double(e * per_epoch + b) / (req.epochs * per_epoch),
                      "classifier epoch " + std::to_string(e + 1) + ", loss " + std::to_string(loss.item<double>()));
    }
  }
  ClassifierTrainResult res;
  res.request = req;
  res.classes = classes;
  res.test_accuracy = accuracy(*net, test);
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  sink.log("classifier held-out accuracy " + std::to_string(res.test_accuracy));
  Json meta = res.to_json();
  meta["class_names"] = all.class_names;
  write_safetensors(req.out, named_tensors_of(*net), {{"weft_classifier", meta.dump()}});
  return res;
}

std::shared_ptr<Classifier> Classifier::load(const std::string& path) {
  const auto file = read_safetensors(path);
  auto it = file.metadata.find("weft_classifier");
  if (it == file.metadata.end()) throw Error("not a classifier file written by weft (no weft_classifier metadata)", path);
  const Json meta = parse_json(it->second, path);
  const auto req = ClassifierTrainRequest::from_json(meta.at("weft").at("request"));
  auto c = std::shared_ptr<Classifier>(new Classifier());
  c->impl_ = std::make_unique<Impl>();
  c->impl_->classes = json_require<int>(meta, "classes", path);
  c->impl_->size = req.size;
  c->impl_->channels = req.channels;
  c->impl_->frames = req.frames;
  c->impl_->names = json_get(meta, "class_names", std::vector<std::string>{}, path);
  if (c->impl_->classes < 1 || c->impl_->classes > 100000) throw Error("bad class count", path);
  c->impl_->net = Net(req.channels * std::max(1, req.frames), c->impl_->classes);
  load_into(*c->impl_->net, file.tensors, /*strict=*/true, path);
  c->impl_->net->eval();
  return c;
}

Classifier::~Classifier() = default;
int Classifier::classes() const { return impl_->classes; }
int Classifier::size() const { return impl_->size; }
int Classifier::channels() const { return impl_->channels; }
int Classifier::frames() const { return impl_->frames; }
std::vector<std::string> Classifier::class_names() const { return impl_->names; }

void Classifier::run(const at::Tensor& images_u8, at::Tensor* logits, at::Tensor* features) const {
  torch::NoGradGuard no_grad;
  const int T = impl_->frames, d = T > 0 ? 1 : 0;
  if (images_u8.dim() != 4 + d || (T > 0 && images_u8.size(1) != T) || images_u8.size(1 + d) != impl_->channels ||
      images_u8.size(2 + d) != impl_->size || images_u8.size(3 + d) != impl_->size)
    throw Error("the classifier expects " + (T > 0 ? std::to_string(T) + "-frame clips of " : std::string()) +
                    std::to_string(impl_->channels) + "×" + std::to_string(impl_->size) + "×" +
                    std::to_string(impl_->size) + (T > 0 ? " frames" : " pictures"), kWhere);
  std::vector<torch::Tensor> ls, fs;
  for (int64_t i = 0; i < images_u8.size(0); i += 256) {
    auto f = impl_->net->features(stack_frames(to_unit_range(images_u8.slice(0, i, std::min(images_u8.size(0), i + 256)))));
    fs.push_back(f);
    ls.push_back(impl_->net->head->forward(f));
  }
  if (logits) *logits = torch::cat(ls);
  if (features) *features = torch::cat(fs);
}

double frechet_distance(const at::Tensor& a, const at::Tensor& b) {
  if (a.dim() != 2 || b.dim() != 2 || a.size(1) != b.size(1) || a.size(0) < 2 || b.size(0) < 2)
    throw Error("Fréchet distance needs two feature matrices with the same width and at least 2 rows", kWhere);
  auto fit = [](const torch::Tensor& x) {
    auto d = x.to(torch::kDouble);
    auto mu = d.mean(0);
    auto c = d - mu;
    return std::make_pair(mu, c.t().mm(c) / double(d.size(0) - 1));
  };
  auto [mu1, s1] = fit(a);
  auto [mu2, s2] = fit(b);
  // Tr √(S1·S2) = Σ √λ of the symmetric PSD matrix √S1·S2·√S1 (eigenvalues clipped at 0 against round-off).
  auto [w1, v1] = torch::linalg_eigh(s1);
  auto root1 = v1.mm(torch::diag(w1.clamp_min(0).sqrt())).mm(v1.t());
  auto m = root1.mm(s2).mm(root1);
  auto lam = torch::linalg_eigvalsh((m + m.t()) / 2).clamp_min(0);
  return ((mu1 - mu2).square().sum() + s1.trace() + s2.trace() - 2 * lam.sqrt().sum()).item<double>();
}

}  // namespace weft::image
