#include "train/epoch_loop.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "common/error.h"
#include "common/rng.h"
#include "train/checkpoint.h"

namespace weft::train {
namespace fs = std::filesystem;
namespace {

using clock_type = std::chrono::steady_clock;

void set_lr(torch::optim::Optimizer& opt, double lr) {
  for (auto& g : opt.param_groups()) g.options().set_lr(lr);
}

}  // namespace

int run_epoch_loop(EpochLoop& loop, ProgressSink& sink, const CancelToken& cancel) {
  const auto t0 = clock_type::now();
  const int per_epoch = static_cast<int>(std::max<int64_t>(1, loop.count / loop.batch));
  int total = loop.epochs * per_epoch;
  if (loop.max_steps > 0) total = std::min(total, loop.max_steps);
  loop.schedule.total_steps = std::max(total, loop.schedule.warmup_steps + 1);
  const std::string ckpt = (fs::path(loop.folder) / (loop.name + ".ckpt.safetensors")).string();
  train::TrainState state;
  if (loop.resume && fs::exists(ckpt)) {
    state = train::load_checkpoint(ckpt, *loop.module, loop.optimizer);
    sink.log("resuming the " + loop.name + " after step " + std::to_string(state.step));
    for (const auto& row : state.log.rows()) {
      sink.metric({loop.name + " loss", double(row.step) / per_epoch, row.train_loss});
      if (row.val_loss >= 0) sink.metric({loop.name + " val", double(row.step) / per_epoch, row.val_loss});
    }
  }
  state.request = loop.request;
  const double seconds_before = state.seconds;
  auto elapsed = [&] { return seconds_before + std::chrono::duration<double>(clock_type::now() - t0).count(); };
  auto save = [&] {
    state.seconds = elapsed();
    train::save_checkpoint(ckpt, *loop.module, loop.optimizer, state);
    state.log.write_csv((fs::path(loop.folder) / (loop.name + "_loss.csv")).string());
  };
  double loss_sum = 0;
  int loss_n = 0;
  const int metric_every = std::max(1, per_epoch / 20);
  while (state.step < total) {
    const int epoch = state.step / per_epoch, in_epoch = state.step % per_epoch;
    // The epoch's order depends only on the seed and the epoch, so a resumed run sees the same batches.
    auto gen = cpu_generator(Rng::derive(loop.seed, 0x5348554646ull + std::uint64_t(epoch)));
    const auto order = torch::randperm(loop.count, gen);
    loop.module->train();
    for (int b = in_epoch; b < per_epoch && state.step < total; ++b) {
      if (cancel.stop_now()) {
        save();
        throw Cancelled();
      }
      const double lr = loop.schedule.at(state.step, epoch);
      set_lr(*loop.optimizer, lr);
      const double loss = loop.step(order.slice(0, int64_t(b) * loop.batch, int64_t(b + 1) * loop.batch), state.step);
      if (!std::isfinite(loss)) {
        save();
        throw Error("the " + loop.name + " loss became " + std::to_string(loss) + " at step " + std::to_string(state.step) +
                    "; lower the learning rate", loop.folder);
      }
      ++state.step;
      loss_sum += loss;
      ++loss_n;
      const double x = double(state.step) / per_epoch;
      if (state.step % metric_every == 0) {
        state.log.add({epoch + 1, state.step, loss_sum / loss_n, -1, lr, elapsed()});
        sink.metric({loop.name + " loss", x, loss_sum / loss_n});
        loss_sum = 0;
        loss_n = 0;
      }
      if (state.step % 4 == 0 || state.step == total) {
        const double f = loop.progress_from + (loop.progress_to - loop.progress_from) * double(state.step) / total;
        sink.progress(f, loop.name + " epoch " + std::to_string(epoch + 1) + "/" + std::to_string(loop.epochs) +
                                 ", step " + std::to_string(state.step) + "/" + std::to_string(total));
      }
    }
    // End of an epoch (or of a capped run): validate, log, checkpoint.
    const double val = loop.validate();
    loop.module->train();
    state.epoch = (state.step + per_epoch - 1) / per_epoch;
    state.log.add({state.epoch, state.step, loss_n ? loss_sum / loss_n : state.log.empty() ? -1 : state.log.rows().back().train_loss,
                   val, loop.schedule.at(state.step, state.epoch), elapsed()});
    sink.metric({loop.name + " val", double(state.step) / per_epoch, val});
    sink.log(loop.name + " epoch " + std::to_string(state.epoch) + ": validation " + std::to_string(val));
    save();
    if (cancel.stop_after_current() && state.step < total) throw Cancelled();
  }
  return state.step;
}

}  // namespace weft::train
