#pragma once
// Job: train an image model — the multi-scale tokenizer, then the VAR transformer on its tokens — into a model
// folder that `image::generate` loads. Light header (no LibTorch). The folder holds:
//   model.json (config, class names, weight files, training summary), vae.safetensors, var.safetensors,
//   tokenizer.ckpt.safetensors / transformer.ckpt.safetensors (weights + optimizer moments + loss log, for resume),
//   tokenizer_loss.csv / transformer_loss.csv.
// Cancel "now" saves a checkpoint at the current step, so `resume` continues where it stopped.
#include <cstdint>
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "common/json_io.h"
#include "common/progress_sink.h"
#include "image/model_config.h"

namespace weft::image {

struct ImageTrainRequest {
  std::string data = "fashion-mnist";  // pictures: "fashion-mnist" or a folder, see image_data.h; clips (video
                                       // config): "moving-shapes" or a folder of videos, see clip_data.h
  int limit = 0;                       // training pictures used (0 = all)
  std::string out;                     // model folder (created)
  std::string stage = "all";           // "tokenizer", "transformer" (needs the folder's vae.safetensors) or "all"
  Json config;                         // ModelConfig JSON; null → tiny_image_config(); class count comes from the data
  std::string order = "next-scale";    // "raster": train the token-by-token baseline (var.order) instead
  std::string tokenizer;               // reuse these tokenizer weights (copied into the folder); skips that stage
  std::string transformer_init;        // start the transformer from these weights (strict) instead of a fresh
                                       // initialisation: continues training a model with a new schedule
  int tokenizer_epochs = 2;
  int transformer_epochs = 4;
  int max_steps = 0;                   // per stage, 0 = no cap (quick runs and tests)
  int batch = 64;
  double tokenizer_lr = 3e-4;          // Adam(0.5, 0.9), short warm-up
  double transformer_lr = 4e-4;        // AdamW(0.9, 0.95), warm-up then cosine decay to a tenth
  int warmup_steps = 200;
  double weight_decay = 0.05;          // matrices only (not norms, biases, embeddings)
  double beta = 0.25;                  // commitment weight
  double class_dropout = 0.1;          // fraction of labels replaced by "unconditional" (trains CFG)
  double label_smoothing = 0.1;
  double grad_clip = 2.0;
  int val_count = 1000;                // held-out pictures: Fashion-MNIST's test split, else the last of a shuffle
  bool resume = false;
  std::uint64_t seed = 0;
  int threads = 1;

  Json to_json() const;
  static ImageTrainRequest from_json(const Json&);
  void validate() const;  // throws Error naming the field
};

struct ImageTrainResult {
  ImageTrainRequest request;
  std::string model_json;              // empty when only the tokenizer was trained
  std::string data_description;
  std::vector<std::string> skipped;    // files left out of the data, with reasons
  int tokenizer_steps = 0, transformer_steps = 0;
  double tokenizer_val_mse = -1;       // reconstruction MSE on held-out pictures, in [-1,1] units
  double code_usage = -1;              // fraction of the codebook used on held-out pictures
  double transformer_val_loss = -1;    // cross-entropy per token, held-out pictures (no label smoothing)
  double transformer_val_accuracy = -1;
  double seconds = 0;

  Json to_json() const;
};

// The shipped tiny configuration: 32×32 px, 8×8 latent, scales 1,2,3,4,6,8 (130 tokens), 512 codes,
// transformer depth 4, width 128 — sized to train on a
// 2-core CPU in under an hour.
ModelConfig tiny_image_config();
// The shipped tiny video configuration: 16 frames of 32×32 px, 4 frames per latent frame, (t, h, w) scales
// (1,1,1) (1,2,2) (2,3,3) (2,4,4) (4,6,6) (4,8,8) = 455 tokens, the tiny image transformer.
ModelConfig tiny_video_config();

ImageTrainResult train_image_model(const ImageTrainRequest&, ProgressSink&, const CancelToken&);

}  // namespace weft::image
