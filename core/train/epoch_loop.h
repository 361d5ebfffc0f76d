#pragma once
// The training loop every trainer of the studio shares: seeded per-epoch shuffles (so a resumed run sees the same
// batches), the LR schedule, running-loss and validation metrics through the ProgressSink, a checkpoint and a
// loss CSV after every epoch and on "cancel now", and exact resume from that checkpoint.
#include <cstdint>
#include <functional>
#include <string>

#include "common/cancel_token.h"
#include "common/json_io.h"
#include "common/progress_sink.h"
#include "train/lr_schedule.h"

namespace at {
class Tensor;
}
namespace torch::nn {
class Module;
}
namespace torch::optim {
class Optimizer;
}

namespace weft::train {

struct EpochLoop {
  std::string name;     // metric series "<name> loss" / "<name> val", files <name>.ckpt.safetensors, <name>_loss.csv
  std::string folder;   // where the checkpoint and the loss CSV go
  int epochs = 1;
  int64_t count = 0;    // training items; an epoch is count / batch steps
  int batch = 32;
  int max_steps = 0;    // > 0: stop after this many steps in total
  std::uint64_t seed = 1;
  bool resume = false;  // continue from <folder>/<name>.ckpt.safetensors when it exists
  Json request;         // stored in the checkpoint
  double progress_from = 0, progress_to = 1;  // this loop's share of the job's progress bar
  torch::nn::Module* module = nullptr;
  torch::optim::Optimizer* optimizer = nullptr;
  LrSchedule schedule;  // total_steps is filled in by the loop
  std::function<double(const at::Tensor& items, int step)> step;  // forward + backward + update; returns the loss
  std::function<double()> validate;                               // held-out score, lower is better
};

// Runs to the end (returns the number of steps done in total, resumed ones included). Throws Cancelled after
// saving on "cancel now", and at an epoch end on "cancel after current"; a non-finite loss saves and throws Error.
int run_epoch_loop(EpochLoop&, ProgressSink&, const CancelToken&);

}  // namespace weft::train
