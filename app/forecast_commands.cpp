// `weft forecast inspect FILE` (what a CSV holds, before training), `weft forecast train` (the protocol's recipe
// on any CSV, the best model saved for forecasting), `weft forecast predict` (past the end of the data, with
// intervals, to CSV) and `weft forecast bench` (the published protocol table, ours next to the papers').
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "common/error.h"
#include "series/date_time.h"
#include "series/inspect_csv.h"
#include "series/predict.h"
#include "series/protocol_bench.h"
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
    train_->add_option("--model", t.model.model, "dlinear | itransformer | patchtst | autoformer | informer");
    train_->add_option("--lookback", t.model.seq_len, "input length L");
    train_->add_option("--horizon", t.model.pred_len, "forecast length H");
    train_->add_option("--target", t.target, "target column (moved last, as the official loader does)");
    train_->add_option("--columns", t.columns, "numeric columns to model (default: all; must include the target)")
        ->delimiter(',');
    train_->add_option("--intervals", t.interval_scaling,
                       "conformal interval scores: lookback-volatility (band follows the recent volatility) | none");
    train_->add_option("--interval-adapt", t.interval_adapt,
                       "after the validation split the radii adapt to the misses of earlier forecasts as their "
                       "truths arrive: how far one horizon of truths moves their log scale (default 0.02; 0: fixed)");
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

    predict_ = f->add_subcommand("predict", "forecast past the end of a CSV with a trained model, with intervals");
    predict_->add_option("MODEL", predict_req_.model, "model.safetensors from `weft forecast train`")->required();
    predict_->add_option("--csv", predict_req_.csv, "data to forecast from (default: the training CSV)");
    predict_->add_option("--fill", predict_req_.fill, "gaps in time: refuse | forward | linear (default: as trained)");
    predict_->add_option("-o,--out", predict_req_.output, "write the forecast with its intervals to this CSV");
    predict_->add_flag("!--no-backtest", predict_req_.backtest, "skip the backtest on the test split");
    predict_->add_flag("--json", json_, "print the result summary as JSON");

    bench_ = f->add_subcommand("bench", "reproduce the protocol table: train and test every model × horizon");
    auto& b = bench_req_;
    bench_->add_option("CSV", b.csvs, "benchmark CSVs (ETTh1.csv, exchange_rate.csv, ... or your own)");
    bench_->add_option("--models", b.models, "models (default: all five)")->delimiter(',');
    bench_->add_option("--horizons", b.horizons, "horizons (default: 96,192,336,720)")->delimiter(',');
    bench_->add_option("--lookback", b.seq_len, "input length L (published tables: 96)");
    bench_->add_option("--max-epochs", b.max_epochs, "cap the epochs (quick look; not the published recipe)");
    bench_->add_option("--max-windows", b.max_train_windows, "train on this many windows per epoch (quick look)");
    bench_->add_option("--seed", b.seed, "64-bit seed");
    bench_->add_option("--results", b.results, "JSON-lines file: finished runs are kept there and reused");
    bench_->add_option("--models-dir", b.models_dir, "keep every trained model in this folder");
    bench_->add_flag("--markdown", markdown_, "print the table as Markdown");
    bench_->add_flag("--table-only", table_only_, "print the table of the --results file without training");
    bench_->add_flag("--json", json_, "print the result as JSON");
  }

  bool selected() const override {
    return inspect_->parsed() || train_->parsed() || predict_->parsed() || bench_->parsed();
  }

  void run(Context& ctx) override {
    if (inspect_->parsed()) {
      if (delimiter_ == "\\t" || delimiter_ == "tab") inspect_req_.delimiter = '\t';
      else if (delimiter_.size() == 1) inspect_req_.delimiter = delimiter_[0];
      else if (!delimiter_.empty()) throw Error("--delimiter must be one character", "weft forecast inspect");
      const auto res = series::run_csv_inspect(inspect_req_, ctx.sink, ctx.cancel);
      std::cout << (json_ ? res.to_json().dump(2) + "\n" : res.to_text());
      return;
    }
    if (predict_->parsed()) return predict(ctx);
    if (bench_->parsed()) return bench(ctx);
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
    for (std::size_t l = 0; l < res.test_coverage.size(); ++l) {
      if (res.intervals.adapt_rate > 0)
        std::printf("%.0f %% prediction interval (conformal, %zu validation windows, adapting as truths arrive): "
                    "test coverage %.1f %% (fixed radii: %.1f %%)\n",
                    res.intervals.levels[l] * 100, res.intervals.windows, res.test_coverage[l] * 100,
                    res.fixed_test_coverage[l] * 100);
      else
        std::printf("%.0f %% prediction interval (conformal, %zu validation windows): test coverage %.1f %%\n",
                    res.intervals.levels[l] * 100, res.intervals.windows, res.test_coverage[l] * 100);
    }
    if (!res.model_path.empty()) std::printf("model: %s\n", res.model_path.c_str());
  }

 private:
  void predict(Context& ctx) {
    predict_req_.threads = ctx.threads;
    const auto r = series::run_predict(predict_req_, ctx.sink, ctx.cancel);
    if (json_) {
      std::cout << r.to_json().dump(2) << "\n";
      return;
    }
    if (!r.backtest.time.empty()) {
      std::printf("backtest on the test split (%zu rows): MSE %.4f  MAE %.4f (normalised)", r.backtest.rows(),
                  r.backtest_mse, r.backtest_mae);
      for (std::size_t l = 0; l < r.backtest_coverage.size(); ++l)
        std::printf(", %.0f %% band holds %.1f %%", r.levels[l] * 100, r.backtest_coverage[l] * 100);
      std::printf("\n");
    }
    if (r.interval_adapt > 0)
      std::printf("the bands adapt after the validation split to the misses of earlier forecasts (rate %g)\n",
                  r.interval_adapt);
    if (!r.interval_caveat.empty()) std::printf("warning: %s\n", r.interval_caveat.c_str());
    std::printf("forecast: %zu steps of %zu columns (%s)%s%s\n", r.forecast.rows(), r.columns.size(),
                r.model_name.c_str(), r.output_path.empty() ? "" : " -> ", r.output_path.c_str());
    if (r.output_path.empty()) {  // no file: show the target column (the last one) on the terminal
      const std::size_t n = r.columns.size(), c = n - 1;
      std::printf("%-20s %14s", r.dated ? "date" : "step", r.columns[c].c_str());
      for (double level : r.levels) std::printf("   %3.0f %% interval            ", level * 100);
      std::printf("\n");
      for (std::size_t h = 0; h < r.forecast.rows(); ++h) {
        const std::string t = r.dated ? series::format_timestamp(r.forecast.time[h]) : std::to_string(r.forecast.time[h]);
        std::printf("%-20s %14.6g", t.c_str(), r.forecast.values[h * n + c]);
        for (std::size_t l = 0; l < r.forecast.lower.size(); ++l)
          std::printf("   [%11.6g, %11.6g]", r.forecast.lower[l][h * n + c], r.forecast.upper[l][h * n + c]);
        std::printf("\n");
      }
    }
  }

  void bench(Context& ctx) {
    if (table_only_) {
      if (bench_req_.results.empty()) throw Error("--table-only needs --results FILE", "weft forecast bench");
      std::cout << series::bench_table(series::read_bench_rows(bench_req_.results), markdown_);
      return;
    }
    bench_req_.threads = ctx.threads;
    const auto r = series::run_protocol_bench(bench_req_, ctx.sink, ctx.cancel);
    std::cout << (json_ ? r.to_json().dump(2) + "\n" : series::bench_table(r.rows, markdown_));
  }

  CLI::App *inspect_ = nullptr, *train_ = nullptr, *predict_ = nullptr, *bench_ = nullptr;
  series::PredictRequest predict_req_;
  series::BenchRequest bench_req_;
  bool markdown_ = false, table_only_ = false;
  series::CsvInspectRequest inspect_req_;
  series::TrainRequest train_req_;
  std::string delimiter_;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<CommandGroup> forecast_commands() { return std::make_unique<ForecastCommands>(); }

}  // namespace weft::cli
