#pragma once
// A small CNN trained on the same pictures as a generator, used to judge generated pictures without Inception
// weights (which this machine cannot download): its predicted class (class-consistency) and its 128-d penultimate
// features (Fréchet distance). The file is one safetensors with the config in its metadata.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "common/json_io.h"
#include "common/progress_sink.h"

namespace weft::image {

struct ClassifierTrainRequest {
  std::string data = "fashion-mnist";  // see image_data.h; with frames > 0 clips, see clip_data.h
  std::string out;                     // classifier .safetensors
  int size = 32, channels = 3;
  int frames = 0;                      // > 0: judge clips of this many frames (stacked in the input channels)
  int epochs = 2;
  int batch = 64;
  double lr = 1e-3;
  int limit = 0;
  std::uint64_t seed = 0;
  int threads = 1;

  Json to_json() const;
  static ClassifierTrainRequest from_json(const Json&);
  void validate() const;
};

struct ClassifierTrainResult {
  ClassifierTrainRequest request;
  double test_accuracy = 0;  // Fashion-MNIST test split, or the held-out tenth of a folder
  int classes = 0;
  double seconds = 0;
  Json to_json() const;
};

ClassifierTrainResult train_classifier(const ClassifierTrainRequest&, ProgressSink&, const CancelToken&);

class Classifier {
 public:
  static std::shared_ptr<Classifier> load(const std::string& path);  // throws Error naming the file
  ~Classifier();
  int classes() const;
  int size() const;
  int channels() const;
  int frames() const;  // 0: a picture classifier
  std::vector<std::string> class_names() const;
  // uint8 pictures (N, C, S, S), or clips (N, T, C, S, S) → logits (N, classes) and features (N, 128), in
  // batches, no gradients.
  void run(const at::Tensor& images_u8, at::Tensor* logits, at::Tensor* features) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Fréchet distance between Gaussians fitted to two feature sets (rows = samples), in float64.
double frechet_distance(const at::Tensor& a, const at::Tensor& b);

}  // namespace weft::image
