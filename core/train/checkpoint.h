#pragma once
// Training checkpoints as ONE safetensors file — never a pickle, so resuming from a file someone sent is as safe
// as loading weights: model tensors under "model.<name>", Adam/AdamW moments under "optim.<group>.<index>.<slot>",
// and the run's state (epoch, step, early stopping, loss log, the training request) as JSON in the metadata.
// Saving is atomic; loading is strict (a checkpoint of another architecture is refused, naming the tensor).
#include <string>

#include "common/json_io.h"
#include "train/loss_log.h"

namespace torch::nn {
class Module;
}
namespace torch::optim {
class Optimizer;
}

namespace weft::train {

struct TrainState {
  int epoch = 0;        // completed epochs
  int step = 0;         // completed optimizer steps
  double seconds = 0;   // training wall time so far
  Json early_stopping;  // EarlyStopping::to_json()
  Json request;         // the training request that produced this run
  LossLog log;
};

// `optimizer` may be null (weights-only checkpoint). Supported optimizers: Adam, AdamW, SGD (no state).
void save_checkpoint(const std::string& path, const torch::nn::Module& model, const torch::optim::Optimizer* optimizer,
                     const TrainState& state);

// Restores model weights (always) and optimizer moments (when `optimizer` is given and the file has them).
TrainState load_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer);

}  // namespace weft::train
