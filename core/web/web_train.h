#pragma once
// Job: train the web generator (Model 3) on web samples into a model folder that web::generate_webs loads.
// Light header (no LibTorch). The folder holds model.json, model.safetensors, generator.ckpt.safetensors (weights +
// Adam moments + loss log, for resume) and generator_loss.csv. Cancel "now" checkpoints at the current step.
// The paper's recipe: teacher-forced MSE on the next node row, conditions dropped for 25 % of the samples (so
// classifier-free guidance works), Adam, gradient clipping at 0.5. Here the learning rate warms up and then
// follows a cosine, because a CPU budget allows only a few epochs.
#include <cstdint>
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "common/json_io.h"
#include "common/progress_sink.h"

namespace weft::web {

struct WebTrainRequest {
  std::string data = "synthetic";  // "synthetic" (the embedded orb/sheet/tangle generator) or a dataset file
  int count = 20000;               // synthetic: samples generated (seeded by `data_seed`)
  std::uint64_t data_seed = 1;
  // synthetic: sample layout for the sequence model (generator_dataset_params): "canonical" (counterclockwise
  // BFS, turned so the second node is on +x) or "growth" (plain BFS; the first shipped model).
  std::string layout = "canonical";
  double val_fraction = 0.05;      // the last samples are held out for validation
  std::string out;                 // model folder (created)
  Json config;                     // GraphTransformerConfig JSON; null → the default small config
  int epochs = 10;
  int max_steps = 0;               // 0 = no cap
  int batch = 32;
  double lr = 3e-4;
  int warmup_steps = 200;
  double grad_clip = 0.5;
  bool resume = false;
  std::uint64_t seed = 0;          // initialisation, shuffles and condition dropout
  int threads = 1;

  Json to_json() const;
  static WebTrainRequest from_json(const Json&);
  void validate() const;  // throws Error naming the field
};

struct WebTrainResult {
  WebTrainRequest request;
  std::string model_json;
  std::string data_description;
  int train_samples = 0, val_samples = 0;
  int steps = 0;
  double val_loss = -1;  // teacher-forced MSE per row value on the held-out samples
  std::vector<double> xyz_residual_std;  // held-out error of predicted x, y, z on real rows (model units)
  double seconds = 0;
  Json to_json() const;
};

WebTrainResult train_web_model(const WebTrainRequest&, ProgressSink&, const CancelToken&);

}  // namespace weft::web
