#pragma once
// What the papers report at lookback 96 (MSE / MAE on normalised data), and the recipe each model was run with,
// so `weft forecast bench` can put our numbers next to theirs. Sources: the iTransformer paper's full results
// (arXiv 2310.06625, tables also in S-Mamba) for iTransformer, PatchTST, DLinear and Autoformer; LTSF-Linear's
// LTSF-Benchmark.md for Informer. Recipes: the official scripts (thuml/iTransformer scripts/multivariate_forecasting,
// thuml/Time-Series-Library scripts/long_term_forecast, cure-lab/LTSF-Linear scripts for DLinear's learning rate).
#include <optional>
#include <string>

namespace weft::series {

struct PublishedScore {
  double mse = 0, mae = 0;
};

// "ETTh1", "ETTh2", "ETTm1", "ETTm2", "Weather", "Exchange", "ILI" from a file name (ETTh1.csv, exchange_rate.csv,
// national_illness.csv, ...); empty for any other file. (ILI has recipes but no published scores here: its papers
// use lookback 36 or 104, not the 96 of the scores below.)
std::string benchmark_dataset(const std::string& csv_path);

// The lookback every published score below was measured at; runs at another lookback are not compared.
constexpr int kPublishedLookback = 96;
std::optional<PublishedScore> published_score(const std::string& dataset, const std::string& model, int horizon);

// The official script's settings for this dataset, model and horizon (lookback 96). Fields it does not set keep
// the values passed in.
struct Recipe {
  int d_model = 512, d_ff = 2048, n_heads = 8, e_layers = 2, d_layers = 1;
  double factor = 1.0;
  double learning_rate = 1e-4;
  int batch_size = 32;
  int epochs = 10;
  std::string note;  // where a setting comes from when it is not the run.py default
};
Recipe official_recipe(const std::string& dataset, const std::string& model, int horizon);

}  // namespace weft::series
