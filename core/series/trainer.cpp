#include "series/trainer.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <numeric>

#include "common/rng.h"
#include "common/safetensors.h"
#include "common/torch_bridge.h"
#include "common/runtime.h"
#include "series/gap_fill.h"
#include "series/load_data.h"
#include "series/model_file.h"
#include "series/window_batches.h"
#include "train/checkpoint.h"
#include "train/early_stopping.h"
#include "train/lr_schedule.h"

namespace weft::series {

namespace {

constexpr const char* kWhere = "forecast training";

LoadedData load_data(const TrainRequest& req, ProgressSink& sink, const CancelToken& cancel) {
  DataSpec spec;
  spec.csv = req.csv;
  spec.columns = req.columns;
  spec.target = req.target;
  spec.fill = req.fill;
  spec.seq_len = std::size_t(req.model.seq_len);
  spec.pred_len = std::size_t(req.model.pred_len);
  return load_protocol_data(spec, sink, cancel);
}

void set_learning_rate(torch::optim::Adam& opt, double lr) {
  for (auto& group : opt.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
}

// Training windows of this epoch, shuffled with a stream derived from (seed, epoch) so that a resumed run sees
// the same order as an uninterrupted one.
std::vector<std::size_t> epoch_windows(const TrainRequest& req, const ProtocolData& p, int epoch) {
  const std::size_t n = p.splits.train.windows(p.seq_len, p.pred_len);
  std::vector<std::size_t> starts(n);
  std::iota(starts.begin(), starts.end(), p.splits.train.begin);
  Rng rng(Rng::derive(req.seed, 1000 + std::uint64_t(epoch)));
  for (std::size_t i = n; i > 1; --i) std::swap(starts[i - 1], starts[rng.below(i)]);
  if (req.max_train_windows > 0 && starts.size() > std::size_t(req.max_train_windows))
    starts.resize(std::size_t(req.max_train_windows));
  return starts;
}

}  // namespace

Json TrainRequest::to_json() const {
  return {{"csv", csv}, {"columns", columns}, {"model", model.to_json()}, {"target", target}, {"fill", fill},
          {"interval_scaling", interval_scaling}, {"interval_adapt", interval_adapt}, {"epochs", epochs},
          {"batch_size", batch_size}, {"patience", patience}, {"learning_rate", learning_rate},
          {"lr_schedule", lr_schedule}, {"seed", seed}, {"threads", threads}, {"output", output},
          {"resume", resume}, {"max_train_windows", max_train_windows}};
}

TrainRequest TrainRequest::from_json(const Json& j) {
  TrainRequest r;
  r.csv = json_require<std::string>(j, "csv", kWhere);
  if (j.contains("model")) r.model = ModelConfig::from_json(j.at("model"));
  r.columns = json_get(j, "columns", r.columns, kWhere);
  r.target = json_get(j, "target", r.target, kWhere);
  r.interval_scaling = json_get(j, "interval_scaling", r.interval_scaling, kWhere);
  r.interval_adapt = json_get(j, "interval_adapt", r.interval_adapt, kWhere);
  r.fill = json_get(j, "fill", r.fill, kWhere);
  r.epochs = json_get(j, "epochs", r.epochs, kWhere);
  r.batch_size = json_get(j, "batch_size", r.batch_size, kWhere);
  r.patience = json_get(j, "patience", r.patience, kWhere);
  r.learning_rate = json_get(j, "learning_rate", r.learning_rate, kWhere);
  r.lr_schedule = json_get(j, "lr_schedule", r.lr_schedule, kWhere);
  r.seed = json_get(j, "seed", r.seed, kWhere);
  r.threads = json_get(j, "threads", r.threads, kWhere);
  r.output = json_get(j, "output", r.output, kWhere);
  r.resume = json_get(j, "resume", r.resume, kWhere);
  r.max_train_windows = json_get(j, "max_train_windows", r.max_train_windows, kWhere);
  r.validate();
  return r;
}

void TrainRequest::validate() const {
  if (csv.empty()) throw Error("no CSV file given", kWhere);
  if (epochs < 1 || epochs > 10000) throw Error("epochs must be between 1 and 10000", kWhere);
  if (batch_size < 1 || batch_size > 65536) throw Error("batch size must be between 1 and 65536", kWhere);
  if (patience < 0) throw Error("patience must not be negative (0 turns early stopping off)", kWhere);
  if (!(learning_rate > 0) || !std::isfinite(learning_rate)) throw Error("learning rate must be positive", kWhere);
  if (threads < 1) throw Error("threads must be at least 1", kWhere);
  if (resume && output.empty()) throw Error("resuming needs the output folder that holds the checkpoint", kWhere);
  fill_method_from_name(fill);
  interval_scaling_from_name(interval_scaling);
  if (!(interval_adapt >= 0 && interval_adapt < 1)) throw Error("interval adaptation rate must lie in [0, 1)", kWhere);
  train::lr_kind_from_name(lr_schedule);
  model.validate();
}

Json TrainResult::to_json() const {
  Json j = result_metadata("forecast-train", request.to_json());
  j["loss_log"] = log.to_json();
  j["best_val_mse"] = best_val_mse;
  j["test"] = {{"mse", test.mse}, {"mae", test.mae}, {"windows", test.windows}};
  j["intervals"] = {{"levels", intervals.levels}, {"test_coverage", test_coverage},
                    {"fixed_test_coverage", fixed_test_coverage}, {"calibration_windows", intervals.windows},
                    {"adapt_rate", intervals.adapt_rate}};
  j["epochs_run"] = epochs_run;
  j["stopped_early"] = stopped_early;
  j["seconds"] = seconds;
  j["model_path"] = model_path;
  return j;
}

TrainResult train_forecaster(const TrainRequest& request, ProgressSink& sink, const CancelToken& cancel) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  request.validate();
  set_threads(request.threads);
  const LoadedData loaded = load_data(request, sink, cancel);
  const ProtocolData& data = loaded.protocol;
  const std::int64_t step_seconds = loaded.step_seconds;

  TrainResult res;
  res.request = request;
  res.request.model.enc_in = int(data.cols());
  const ModelConfig& config = res.request.model;
  torch::manual_seed(Rng::derive(request.seed, 0));  // initial weights
  std::shared_ptr<Forecaster> model = make_forecaster(config);
  torch::optim::Adam optimizer(model->module().parameters(), torch::optim::AdamOptions(request.learning_rate));

  const std::size_t windows_per_epoch = epoch_windows(request, data, 0).size();
  const int batches = int((windows_per_epoch + std::size_t(request.batch_size) - 1) / std::size_t(request.batch_size));
  train::LrSchedule schedule;
  schedule.kind = train::lr_kind_from_name(request.lr_schedule);
  schedule.base_lr = request.learning_rate;
  schedule.total_steps = request.epochs * batches;
  train::EarlyStopping stopping(request.patience);

  namespace fs = std::filesystem;
  const std::string checkpoint = request.output.empty() ? "" : (fs::path(request.output) / "checkpoint.safetensors").string();
  res.model_path = request.output.empty() ? "" : (fs::path(request.output) / "model.safetensors").string();
  if (!request.output.empty()) fs::create_directories(request.output);
  ForecastModelInfo info{config, data.columns, data.scaler.mean, data.scaler.scale, step_seconds, res.request.to_json(), Json()};

  train::TrainState state;
  if (request.resume) {
    state = train::load_checkpoint(checkpoint, model->module(), &optimizer);
    if (state.request.value("model", Json()) != config.to_json() || state.request.value("csv", "") != request.csv)
      throw Error("the checkpoint was made for another model or CSV", checkpoint);
    stopping.restore(state.early_stopping);
    res.log = state.log;
    sink.log("resuming after epoch " + std::to_string(state.epoch));
    for (const auto& row : res.log.rows()) {  // so a live plot shows the epochs before the resume too
      sink.metric({"train", double(row.epoch), row.train_loss});
      sink.metric({"val", double(row.epoch), row.val_loss});
    }
  }
  NamedTensors best = named_tensors_of(model->module());
  if (request.resume && fs::exists(res.model_path)) best = read_safetensors(res.model_path).tensors;
  double seconds_before = state.seconds;

  for (int epoch = state.epoch; epoch < request.epochs && !stopping.should_stop(); ++epoch) {
    torch::manual_seed(Rng::derive(request.seed, 1 + std::uint64_t(epoch)));  // dropout masks of this epoch
    const double lr = schedule.at(state.step, epoch);
    set_learning_rate(optimizer, lr);
    const std::vector<std::size_t> starts = epoch_windows(request, data, epoch);
    model->module().train();
    double loss_sum = 0;
    std::size_t seen = 0;
    for (int b = 0; b < batches; ++b) {
      cancel.throw_if_stopped();
      const std::size_t from = std::size_t(b) * std::size_t(request.batch_size);
      const std::vector<std::size_t> chunk(starts.begin() + std::ptrdiff_t(from),
                                           starts.begin() + std::ptrdiff_t(std::min(starts.size(), from + std::size_t(request.batch_size))));
      const detail::WindowBatch batch = detail::make_batch(data, chunk, config);
      optimizer.zero_grad();
      torch::Tensor loss = torch::mse_loss(detail::predict(*model, batch), batch.y);
      loss.backward();
      optimizer.step();
      ++state.step;
      loss_sum += loss.item<double>() * double(chunk.size());
      seen += chunk.size();
      if ((b + 1) % std::max(1, batches / 20) == 0 && b + 1 < batches)
        sink.metric({"train", epoch + double(b + 1) / batches, loss_sum / double(seen)});
      if (b % 8 == 0 || b + 1 == batches)
        sink.progress((epoch + double(b + 1) / batches) / request.epochs,
                      "epoch " + std::to_string(epoch + 1) + "/" + std::to_string(request.epochs) + ", batch " +
                          std::to_string(b + 1) + "/" + std::to_string(batches) + ", loss " +
                          std::to_string(loss_sum / double(seen)));
    }
    NullSink quiet;
    const EvalScore val = evaluate(*model, data, {SplitName::Val, request.batch_size}, quiet, cancel);
    const bool improved = stopping.update(val.mse);
    if (improved) {
      best = named_tensors_of(model->module());
      if (!res.model_path.empty()) save_forecast_model(res.model_path, *model, info);
    }
    state.epoch = epoch + 1;
    state.seconds = seconds_before + std::chrono::duration<double>(clock::now() - t0).count();
    res.log.add({epoch + 1, state.step, loss_sum / double(std::max<std::size_t>(seen, 1)), val.mse, lr, state.seconds});
    sink.metric({"train", double(epoch + 1), loss_sum / double(std::max<std::size_t>(seen, 1))});
    sink.metric({"val", double(epoch + 1), val.mse});
    sink.log("epoch " + std::to_string(epoch + 1) + ": train " + std::to_string(loss_sum / double(std::max<std::size_t>(seen, 1))) +
             ", validation MSE " + std::to_string(val.mse) + (improved ? " (best)" : ""));
    if (!checkpoint.empty()) {
      state.early_stopping = stopping.to_json();
      state.request = res.request.to_json();
      state.log = res.log;
      train::save_checkpoint(checkpoint, model->module(), &optimizer, state);
      res.log.write_csv((fs::path(request.output) / "loss.csv").string());
    }
    if (cancel.stop_after_current()) break;
  }
  res.stopped_early = stopping.should_stop() && state.epoch < request.epochs;
  res.epochs_run = state.epoch;
  res.best_val_mse = stopping.best();
  load_into(model->module(), best, /*strict=*/true, "best weights");
  model->module().eval();
  sink.progress(1.0, "testing the best model");
  NullSink quiet;
  res.test = evaluate(*model, data, {SplitName::Test, request.batch_size}, quiet, cancel);
  sink.progress(1.0, "calibrating prediction intervals");
  res.intervals = calibrate_intervals(*model, data, {0.8, 0.95}, request.batch_size, cancel,
                                      interval_scaling_from_name(request.interval_scaling), request.interval_adapt);
  res.test_coverage = interval_coverage(*model, data, res.intervals, SplitName::Test, request.batch_size, cancel);
  IntervalCalibration fixed = res.intervals;
  fixed.adapt_rate = 0;
  res.fixed_test_coverage = res.intervals.adapt_rate > 0
                                ? interval_coverage(*model, data, fixed, SplitName::Test, request.batch_size, cancel)
                                : res.test_coverage;
  if (const std::string caveat = calibration_caveat(res.intervals); !caveat.empty()) sink.log("warning: " + caveat);
  if (!res.model_path.empty()) {
    info.intervals = res.intervals.to_json();
    save_forecast_model(res.model_path, *model, info);  // the best weights again, now with their intervals
  }
  res.model = model;
  res.seconds = seconds_before + std::chrono::duration<double>(clock::now() - t0).count();
  return res;
}

}  // namespace weft::series
