#pragma once
// Job: train a forecaster on a CSV under the standard protocol (Adam, MSE, batch 32, learning rate halved every
// epoch, early stopping on validation MSE with patience 3 — the recipe of the papers' scripts), with seeded
// shuffling, per-epoch checkpoints that resume exactly, and the best model saved for forecasting.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "common/json_io.h"
#include "common/progress_sink.h"
#include "series/evaluate.h"
#include "series/forecaster.h"
#include "series/intervals.h"
#include "train/loss_log.h"

namespace weft::series {

struct TrainRequest {
  std::string csv;                  // the data
  std::vector<std::string> columns;  // numeric columns to model (empty: all); must include the target
  ModelConfig model;                // enc_in is taken from the data
  std::string target = "OT";        // moved last under the 70/10/20 rule (as the official loader does)
  std::string fill = "refuse";      // gaps: refuse | forward | linear
  std::string interval_scaling = "lookback-volatility";  // conformal scores: none | lookback-volatility
  // Radii adapt after the validation split as truths arrive (adaptive_intervals.h): how far one horizon's worth of
  // truths may move the log of their scale; 0: fixed radii from the validation split.
  double interval_adapt = 0.02;
  int epochs = 10;
  int batch_size = 32;
  int patience = 3;
  double learning_rate = 1e-4;
  std::string lr_schedule = "halve-each-epoch";
  std::uint64_t seed = 2021;
  int threads = 1;
  std::string output;               // folder for model.safetensors, checkpoint.safetensors, loss.csv ("" = none)
  bool resume = false;              // continue from output/checkpoint.safetensors
  int max_train_windows = 0;        // > 0: a seeded subset of this many training windows per epoch (quick runs)

  Json to_json() const;
  static TrainRequest from_json(const Json&);
  void validate() const;
};

struct TrainResult {
  TrainRequest request;
  train::LossLog log;               // one row per epoch: train loss, validation MSE, learning rate
  double best_val_mse = 0.0;
  EvalScore test;                   // of the best model, over every test window
  IntervalCalibration intervals;    // 80 % and 95 % conformal radii from the validation windows
  std::vector<double> test_coverage;  // measured share of test truths inside each interval
  std::vector<double> fixed_test_coverage;  // the same with the validation split's fixed radii (for comparison)
  int epochs_run = 0;
  bool stopped_early = false;
  double seconds = 0.0;
  std::string model_path;           // output/model.safetensors when an output folder was given
  std::shared_ptr<Forecaster> model;  // the best model, in eval mode

  Json to_json() const;
};

TrainResult train_forecaster(const TrainRequest&, ProgressSink&, const CancelToken&);

}  // namespace weft::series
