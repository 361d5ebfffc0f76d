#pragma once
// The two training loops behind train_image_model (internal to weft_image): the tokenizer on pictures, then the
// transformer on the tokenizer's codes. Each checkpoints per epoch and on cancel, and resumes from its checkpoint.
#include <ATen/core/Tensor.h>

#include <string>

#include "image/train_image.h"

namespace weft::image {

class VqvaeImpl;
class VarImpl;

namespace detail {

struct StageData {
  at::Tensor train_images, train_labels;  // uint8 (N, C, S, S), int64 (N)
  at::Tensor val_images, val_labels;
};

struct StageContext {
  const ImageTrainRequest& request;
  ProgressSink& sink;
  const CancelToken& cancel;
  std::string folder;  // model folder (checkpoints, loss logs)
  double progress_from = 0, progress_to = 1;  // this stage's share of the job's progress bar
};

struct TokenizerOutcome {
  int steps = 0;
  double val_mse = -1, code_usage = -1;
};
struct TransformerOutcome {
  int steps = 0;
  double val_loss = -1, val_accuracy = -1;
};

TokenizerOutcome train_tokenizer(VqvaeImpl& vae, const StageData& data, const StageContext& ctx);
// `vae` is only used (in eval mode) to tokenise the data.
TransformerOutcome train_transformer(VarImpl& var, VqvaeImpl& vae, const StageData& data, const StageContext& ctx);

// The official VAR initialisation (truncated normal std √(1/3C), small head, AdaLN gates near zero so every
// block starts close to the identity), drawn from the global LibTorch generator.
void init_transformer(VarImpl& var);

}  // namespace detail
}  // namespace weft::image
