#pragma once
// Job: the published protocol table, reproduced. For every CSV × model × horizon: train with the official recipe
// (series/published.h), score every test window, and put MSE/MAE next to the paper's. Finished runs are appended
// to a JSON-lines results file as they end, so a long table survives interruptions and a rerun only does what is
// missing.
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "common/json_io.h"
#include "common/progress_sink.h"

namespace weft::series {

struct BenchRequest {
  std::vector<std::string> csvs;
  std::vector<std::string> models = {"dlinear", "itransformer", "patchtst", "autoformer", "informer"};
  std::vector<int> horizons = {96, 192, 336, 720};
  int seq_len = 96;
  int max_epochs = 0;            // > 0: at most this many epochs (quick looks; the table then says so)
  int max_train_windows = 0;     // > 0: seeded subset of training windows per epoch (quick looks)
  std::uint64_t seed = 2021;
  int threads = 1;
  std::string results;           // JSON-lines file: runs already in it are reused, new ones appended
  std::string models_dir;        // keep each trained model here (empty: not kept)

  Json to_json() const;
  static BenchRequest from_json(const Json&);
  void validate() const;
};

struct BenchRow {
  std::string dataset, model;    // dataset: benchmark name or the file's stem
  int horizon = 0;
  double mse = 0, mae = 0;
  std::size_t windows = 0;
  bool has_published = false;
  double published_mse = 0, published_mae = 0;
  int epochs_run = 0;
  double seconds = 0, seconds_per_epoch = 0;
  long long parameters = 0;
  std::vector<double> coverage;  // test coverage of the 80 % and 95 % intervals (adaptive radii; empty: not run)
  std::vector<double> fixed_coverage;  // the same with the validation split's fixed radii
  std::string recipe_note;
  Json settings;                 // the training request

  Json to_json() const;
  static BenchRow from_json(const Json&);
};

struct BenchResult {
  BenchRequest request;
  std::vector<BenchRow> rows;    // in request order
  Json to_json() const;
};

BenchResult run_protocol_bench(const BenchRequest&, ProgressSink&, const CancelToken&);

// Every row of a results file, in file order (the table of what has been run so far, without training).
std::vector<BenchRow> read_bench_rows(const std::string& path);

// Per dataset × model: every horizon and the average, ours vs published, as plain text or Markdown.
std::string bench_table(const std::vector<BenchRow>&, bool markdown);

}  // namespace weft::series
