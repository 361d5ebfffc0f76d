#include "series/protocol_bench.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "series/published.h"
#include "series/trainer.h"

namespace weft::series {

namespace {

constexpr const char* kWhere = "forecast bench";

// Progress of one run, mapped into its slice of the whole table.
class SliceSink final : public ProgressSink {
 public:
  SliceSink(ProgressSink& outer, double from, double width, std::string label)
      : outer_(outer), from_(from), width_(width), label_(std::move(label)) {}
  void progress(double f, std::string_view stage) override {
    outer_.progress(from_ + width_ * f, label_ + ": " + std::string(stage));
  }
  void log(std::string_view line) override { outer_.log(label_ + ": " + std::string(line)); }

 private:
  ProgressSink& outer_;
  double from_, width_;
  std::string label_;
};

std::string dataset_name(const std::string& csv) {
  const std::string known = benchmark_dataset(csv);
  return known.empty() ? std::filesystem::path(csv).stem().string() : known;
}

// A finished run is reused only when it was made the same way.
std::string run_key(const std::string& dataset, const std::string& model, int horizon, const BenchRequest& r) {
  return dataset + "|" + model + "|" + std::to_string(horizon) + "|" + std::to_string(r.seq_len) + "|" +
         std::to_string(r.seed) + "|" + std::to_string(r.max_epochs) + "|" + std::to_string(r.max_train_windows);
}

std::map<std::string, BenchRow> read_results(const std::string& path, const BenchRequest& r, ProgressSink& sink) {
  std::map<std::string, BenchRow> rows;
  if (path.empty() || !std::filesystem::exists(path)) return rows;
  std::ifstream in(path);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    try {
      const Json j = Json::parse(line);
      BenchRow row = BenchRow::from_json(j.at("row"));
      if (j.at("key").get<std::string>() == run_key(row.dataset, row.model, row.horizon, r)) rows[j.at("key")] = row;
    } catch (const std::exception&) {
      sink.log(path + " line " + std::to_string(n) + " is not a result row; it is ignored");
    }
  }
  return rows;
}

void write_results(const std::string& path, const std::vector<std::pair<std::string, BenchRow>>& rows) {
  if (path.empty()) return;
  write_file_atomic(path, [&](std::ostream& out) {
    for (const auto& [key, row] : rows) out << Json{{"key", key}, {"row", row.to_json()}}.dump() << '\n';
  });
}

BenchRow run_one(const BenchRequest& req, const std::string& csv, const std::string& model, int horizon,
                 ProgressSink& sink, const CancelToken& cancel) {
  BenchRow row;
  row.dataset = dataset_name(csv);
  row.model = model;
  row.horizon = horizon;
  const Recipe recipe = official_recipe(row.dataset, model, horizon);
  TrainRequest t;
  t.csv = csv;
  t.model.model = model;
  t.model.seq_len = req.seq_len;
  t.model.pred_len = horizon;
  t.model.d_model = recipe.d_model;
  t.model.d_ff = recipe.d_ff;
  t.model.n_heads = recipe.n_heads;
  t.model.e_layers = recipe.e_layers;
  t.model.d_layers = recipe.d_layers;
  t.model.factor = recipe.factor;
  // The decoder's known part (Autoformer, Informer): 48 at lookback 96, half the lookback below (ILI: 36 → 18),
  // as the official scripts.
  t.model.label_len = std::min(48, std::max(1, req.seq_len / 2));
  t.learning_rate = recipe.learning_rate;
  t.batch_size = recipe.batch_size;
  t.epochs = req.max_epochs > 0 ? std::min(recipe.epochs, req.max_epochs) : recipe.epochs;
  t.max_train_windows = req.max_train_windows;
  t.seed = req.seed;
  t.threads = req.threads;
  if (!req.models_dir.empty())
    t.output = (std::filesystem::path(req.models_dir) / (row.dataset + "-" + model + "-" + std::to_string(horizon))).string();
  const TrainResult res = train_forecaster(t, sink, cancel);
  row.mse = res.test.mse;
  row.mae = res.test.mae;
  row.windows = res.test.windows;
  const auto pub = req.seq_len == kPublishedLookback ? published_score(row.dataset, model, horizon) : std::nullopt;
  if (pub) {
    row.has_published = true;
    row.published_mse = pub->mse;
    row.published_mae = pub->mae;
  }
  row.epochs_run = res.epochs_run;
  row.seconds = res.seconds;
  const auto& log = res.log.rows();
  row.seconds_per_epoch = log.empty() ? 0.0 : log.back().seconds / double(log.size());
  row.parameters = res.model ? res.model->parameter_count() : 0;
  row.coverage = res.test_coverage;
  row.fixed_coverage = res.fixed_test_coverage;
  row.recipe_note = recipe.note;
  row.settings = res.request.to_json();
  return row;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace

Json BenchRequest::to_json() const {
  return {{"csvs", csvs}, {"models", models}, {"horizons", horizons}, {"seq_len", seq_len},
          {"max_epochs", max_epochs}, {"max_train_windows", max_train_windows}, {"seed", seed},
          {"threads", threads}, {"results", results}, {"models_dir", models_dir}};
}

BenchRequest BenchRequest::from_json(const Json& j) {
  BenchRequest r;
  r.csvs = json_require<std::vector<std::string>>(j, "csvs", kWhere);
  r.models = json_get(j, "models", r.models, kWhere);
  r.horizons = json_get(j, "horizons", r.horizons, kWhere);
  r.seq_len = json_get(j, "seq_len", r.seq_len, kWhere);
  r.max_epochs = json_get(j, "max_epochs", r.max_epochs, kWhere);
  r.max_train_windows = json_get(j, "max_train_windows", r.max_train_windows, kWhere);
  r.seed = json_get(j, "seed", r.seed, kWhere);
  r.threads = json_get(j, "threads", r.threads, kWhere);
  r.results = json_get(j, "results", r.results, kWhere);
  r.models_dir = json_get(j, "models_dir", r.models_dir, kWhere);
  r.validate();
  return r;
}

void BenchRequest::validate() const {
  if (csvs.empty()) throw Error("no CSV files given", kWhere);
  if (models.empty() || horizons.empty()) throw Error("no models or no horizons given", kWhere);
  for (int h : horizons)
    if (h < 1) throw Error("horizons must be positive", kWhere);
  if (seq_len < 1) throw Error("the lookback must be positive", kWhere);
  if (threads < 1) throw Error("threads must be at least 1", kWhere);
}

Json BenchRow::to_json() const {
  Json j = {{"dataset", dataset}, {"model", model}, {"horizon", horizon}, {"mse", mse}, {"mae", mae},
            {"windows", windows}, {"epochs_run", epochs_run}, {"seconds", seconds},
            {"seconds_per_epoch", seconds_per_epoch}, {"parameters", parameters}, {"coverage", coverage},
            {"fixed_coverage", fixed_coverage}, {"recipe_note", recipe_note}, {"settings", settings}};
  if (has_published) j["published"] = {{"mse", published_mse}, {"mae", published_mae}};
  return j;
}

BenchRow BenchRow::from_json(const Json& j) {
  BenchRow r;
  r.dataset = j.at("dataset");
  r.model = j.at("model");
  r.horizon = j.at("horizon");
  r.mse = j.at("mse");
  r.mae = j.at("mae");
  r.windows = j.value("windows", std::size_t{0});
  r.epochs_run = j.value("epochs_run", 0);
  r.seconds = j.value("seconds", 0.0);
  r.seconds_per_epoch = j.value("seconds_per_epoch", 0.0);
  r.parameters = j.value("parameters", 0LL);
  r.coverage = j.value("coverage", std::vector<double>{});
  r.fixed_coverage = j.value("fixed_coverage", std::vector<double>{});
  // Rows run before the radii adapted measured fixed radii only.
  if (!j.contains("fixed_coverage")) r.fixed_coverage = r.coverage, r.coverage.clear();
  r.recipe_note = j.value("recipe_note", std::string());
  r.settings = j.value("settings", Json());
  if (j.contains("published")) {
    r.has_published = true;
    r.published_mse = j["published"].at("mse");
    r.published_mae = j["published"].at("mae");
  }
  return r;
}

Json BenchResult::to_json() const {
  Json j = result_metadata("forecast-bench", request.to_json());
  j["rows"] = Json::array();
  for (const BenchRow& r : rows) j["rows"].push_back(r.to_json());
  return j;
}

BenchResult run_protocol_bench(const BenchRequest& request, ProgressSink& sink, const CancelToken& cancel) {
  request.validate();
  BenchResult result;
  result.request = request;
  std::map<std::string, BenchRow> done = read_results(request.results, request, sink);
  std::vector<std::pair<std::string, BenchRow>> kept(done.begin(), done.end());
  const double runs = double(request.csvs.size() * request.models.size() * request.horizons.size());
  int index = 0;
  for (const std::string& csv : request.csvs)
    for (const std::string& model : request.models)
      for (int horizon : request.horizons) {
        const std::string key = run_key(dataset_name(csv), model, horizon, request);
        if (auto it = done.find(key); it != done.end()) {
          result.rows.push_back(it->second);
          ++index;
          continue;
        }
        cancel.throw_if_stopped();
        const std::string label = dataset_name(csv) + " " + model + " H=" + std::to_string(horizon);
        SliceSink slice(sink, double(index) / runs, 1.0 / runs, label);
        BenchRow row = run_one(request, csv, model, horizon, slice, cancel);
        sink.log(label + ": MSE " + fmt("%.4f", row.mse) + ", MAE " + fmt("%.4f", row.mae) +
                 (row.has_published ? " (published " + fmt("%.3f", row.published_mse) + " / " +
                                          fmt("%.3f", row.published_mae) + ")"
                                    : ""));
        result.rows.push_back(row);
        kept.emplace_back(key, row);
        done[key] = row;
        write_results(request.results, kept);
        ++index;
        if (cancel.stop_after_current()) return result;
      }
  return result;
}

std::vector<BenchRow> read_bench_rows(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read the results file", path);
  std::vector<BenchRow> rows;
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (line.empty()) continue;
    try {
      rows.push_back(BenchRow::from_json(Json::parse(line).at("row")));
    } catch (const std::exception&) {
      throw Error("line " + std::to_string(n) + " is not a result row", path);
    }
  }
  // Runs land in the file in the order they finished; the table groups them by dataset and model (in order of
  // first appearance) with horizons ascending.
  auto first_seen = [&](auto field) {
    std::map<std::string, std::size_t> order;
    for (const BenchRow& r : rows) order.emplace(field(r), order.size());
    return order;
  };
  const auto data_order = first_seen([](const BenchRow& r) { return r.dataset; });
  const auto model_order = first_seen([](const BenchRow& r) { return r.model; });
  std::stable_sort(rows.begin(), rows.end(), [&](const BenchRow& a, const BenchRow& b) {
    return std::make_tuple(data_order.at(a.dataset), model_order.at(a.model), a.horizon) <
           std::make_tuple(data_order.at(b.dataset), model_order.at(b.model), b.horizon);
  });
  return rows;
}

std::string bench_table(const std::vector<BenchRow>& rows, bool md) {
  std::ostringstream out;
  const char* sep = md ? " | " : "  ";
  // The last columns are the measured test coverage of the 80 % and 95 % intervals (nominal 80 / 95): adaptive
  // radii (the default), then the validation split's fixed radii.
  if (md) out << "| dataset | model | H | MSE | MAE | published MSE | published MAE | MSE vs published | epochs | s/epoch "
                 "| 80 % / 95 % coverage | fixed radii |\n"
              << "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  else out << "dataset   model         H     MSE     MAE   pub MSE pub MAE  vs pub  epochs  s/epoch  cover 80/95  fixed\n";
  auto line = [&](const std::string& d, const std::string& m, const std::string& h, double mse, double mae,
                  bool pub, double pmse, double pmae, const std::string& epochs, double spe,
                  const std::vector<double>& cover, const std::vector<double>& fixed_cover) {
    char buf[256];
    const std::string rel = pub ? fmt("%+.1f %%", 100.0 * (mse / pmse - 1.0)) : "";
    auto pair = [](const std::vector<double>& c) {
      return c.size() == 2 ? fmt("%.1f", 100 * c[0]) + " / " + fmt("%.1f", 100 * c[1]) : std::string();
    };
    const std::string cov = pair(cover), fixed = pair(fixed_cover);
    if (md) {
      out << "| " << d << sep << m << sep << h << sep << fmt("%.3f", mse) << sep << fmt("%.3f", mae) << sep
          << (pub ? fmt("%.3f", pmse) : "") << sep << (pub ? fmt("%.3f", pmae) : "") << sep << rel << sep << epochs
          << sep << (spe > 0 ? fmt("%.1f", spe) : "") << sep << cov << sep << fixed << " |\n";
    } else {
      std::snprintf(buf, sizeof buf, "%-9s %-12s %4s  %6.3f  %6.3f  %6s  %6s  %7s  %6s  %7s  %-11s  %s\n",
                    d.c_str(), m.c_str(), h.c_str(), mse, mae, pub ? fmt("%.3f", pmse).c_str() : "",
                    pub ? fmt("%.3f", pmae).c_str() : "", rel.c_str(), epochs.c_str(),
                    spe > 0 ? fmt("%.1f", spe).c_str() : "", cov.c_str(), fixed.c_str());
      out << buf;
    }
  };
  // Group consecutive rows of one dataset × model; an average follows each group with more than one horizon.
  for (std::size_t i = 0; i < rows.size();) {
    std::size_t j = i;
    double mse = 0, mae = 0, pmse = 0, pmae = 0;
    std::vector<double> cover(2, 0.0), fixed(2, 0.0);
    bool all_pub = true, all_cover = true, all_fixed = true;
    while (j < rows.size() && rows[j].dataset == rows[i].dataset && rows[j].model == rows[i].model) {
      const BenchRow& r = rows[j];
      line(r.dataset, r.model, std::to_string(r.horizon), r.mse, r.mae, r.has_published, r.published_mse,
           r.published_mae, std::to_string(r.epochs_run), r.seconds_per_epoch, r.coverage, r.fixed_coverage);
      mse += r.mse, mae += r.mae, pmse += r.published_mse, pmae += r.published_mae;
      all_cover = all_cover && r.coverage.size() == 2;
      if (all_cover) cover[0] += r.coverage[0], cover[1] += r.coverage[1];
      all_fixed = all_fixed && r.fixed_coverage.size() == 2;
      if (all_fixed) fixed[0] += r.fixed_coverage[0], fixed[1] += r.fixed_coverage[1];
      all_pub = all_pub && r.has_published;
      ++j;
    }
    const double n = double(j - i);
    // Fewer than the protocol's 4 horizons: the label says how many (published values averaged over the same ones).
    const std::string label = j - i >= 4 ? "avg" : "avg (" + std::to_string(j - i) + ")";
    if (j - i > 1)
      line(rows[i].dataset, rows[i].model, label, mse / n, mae / n, all_pub, pmse / n, pmae / n, "", 0,
           all_cover ? std::vector<double>{cover[0] / n, cover[1] / n} : std::vector<double>{},
           all_fixed ? std::vector<double>{fixed[0] / n, fixed[1] / n} : std::vector<double>{});
    i = j;
  }
  return out.str();
}

}  // namespace weft::series
