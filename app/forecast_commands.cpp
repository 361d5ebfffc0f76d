// `weft forecast inspect FILE` (what a CSV holds, before training) and `weft forecast train` (the protocol's
// recipe on any CSV, the best model saved for forecasting).
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "common/error.h"
#include "series/inspect_csv.h"
#include "series/trainer.h"

namespace weft::cli {

namespace {

class ForecastCommands final : public CommandGroup {
 public:
  void add_to(CLI::App& app) override {
    auto* f = app.add_subcommand("forecast", "time-series forecasting");
    f->require_subcommand(1);
    inspect_ = f->add_subcommand("inspect", "report a CSV's columns, time step, gaps and missing values");
    inspect_->add_option("FILE", inspect_req_.path, "CSV file")->required();
    inspect_->add_option("--delimiter", delimiter_, "field separator (default: detected; \\t or tab for a tab)");
    inspect_->add_option("--date-column", inspect_req_.date_column, "name of the date column (default: detected)");
    inspect_->add_option("--lookback", inspect_req_.seq_len, "with --horizon: check the standard train/val/test split");
    inspect_->add_option("--horizon", inspect_req_.pred_len, "forecast horizon for that check");
    inspect_->add_flag("--json", json_, "print JSON instead of text");

    train_ = f->add_subcommand("train", "train a forecaster with the standard protocol and save the best model");
    auto& t = train_req_;
    train_->add_option("CSV", t.csv, "the data")->required();
    train_->add_option("--model", t.model.model, "dlinear | itransformer | patchtst | autoformer");
    train_->add_option("--lookback", t.model.seq_len, "input length L");
    train_->add_option("--horizon", t.model.pred_len, "forecast length H");
    train_->add_option("--target", t.target, "target column (moved last, as the official loader does)");
    train_->add_option("--fill", t.fill, "gaps in time: refuse | forward | linear");
    train_->add_option("--epochs", t.epochs, "at most this many epochs (early stopping may end sooner)");
    train_->add_option("--batch", t.batch_size, "windows per batch");
    train_->add_option("--lr", t.learning_rate, "initial learning rate (halved every epoch)");
    train_->add_option("--patience", t.patience, "epochs without validation improvement before stopping (0: off)");
    train_->add_option("--seed", t.seed, "64-bit seed (initial weights, shuffling, dropout)");
    train_->add_option("--d-model", t.model.d_model, "transformer width");
    train_->add_option("--d-ff", t.model.d_ff, "transformer feed-forward width");
    train_->add_option("--layers", t.model.e_layers, "encoder layers");
    train_->add_option("--max-windows", t.max_train_windows, "train on a seeded subset of this many windows per epoch");
    train_->add_option("-o,--out", t.output, "folder for model.safetensors, checkpoint.safetensors and loss.csv");
    train_->add_flag("--resume", t.resume, "continue from the checkpoint in --out");
    train_->add_flag("--json", json_, "print the result as JSON");
  }

  bool selected() const override { return inspect_->parsed() || train_->parsed(); }

  void run(Context& ctx) override {
    if (inspect_->parsed()) {
      if (delimiter_ == "\\t" || delimiter_ == "tab") inspect_req_.delimiter = '\t';
      else if (delimiter_.size() == 1) inspect_req_.delimiter = delimiter_[0];
      else if (!delimiter_.empty()) throw Error("--delimiter must be one character", "weft forecast inspect");
      const auto res = series::run_csv_inspect(inspect_req_, ctx.sink, ctx.cancel);
      std::cout << (json_ ? res.to_json().dump(2) + "\n" : res.to_text());
      return;
    }
    train_req_.threads = ctx.threads;
    const auto res = series::train_forecaster(train_req_, ctx.sink, ctx.cancel);
    if (json_) {
      std::cout << res.to_json().dump(2) << "\n";
      return;
    }
    std::printf("%5s %12s %12s %10s\n", "epoch", "train MSE", "val MSE", "lr");
    for (const auto& row : res.log.rows())
      std::printf("%5d %12.5f %12.5f %10.2e\n", row.epoch, row.train_loss, row.val_loss, row.lr);
    std::printf("test (best model, %zu windows): MSE %.4f  MAE %.4f   %d epoch(s)%s, %.1f s\n", res.test.windows,
                res.test.mse, res.test.mae, res.epochs_run, res.stopped_early ? ", stopped early" : "", res.seconds);
    for (std::size_t l = 0; l < res.test_coverage.size(); ++l)
      std::printf("%.0f %% prediction interval (conformal, %zu validation windows): test coverage %.1f %%\n",
                  res.intervals.levels[l] * 100, res.intervals.windows, res.test_coverage[l] * 100);
    if (!res.model_path.empty()) std::printf("model: %s\n", res.model_path.c_str());
  }

 private:
  CLI::App *inspect_ = nullptr, *train_ = nullptr;
  series::CsvInspectRequest inspect_req_;
  series::TrainRequest train_req_;
  std::string delimiter_;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<CommandGroup> forecast_commands() { return std::make_unique<ForecastCommands>(); }

}  // namespace weft::cli
