#include "series/predict.h"

#include <torch/torch.h>

#include <cmath>
#include <memory>
#include <charconv>
#include <string_view>
#include <sstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/runtime.h"
#include "series/date_time.h"
#include "series/forecast_future.h"
#include "series/intervals.h"
#include "series/load_data.h"
#include "series/model_file.h"
#include "series/adaptive_intervals.h"
#include "series/window_batches.h"

namespace weft::series {

namespace {

constexpr const char* kWhere = "forecast predict";

// Normalised [B, H, N] → real units, row-major, appended to `out`.
void append_real(const torch::Tensor& t, const Scaler& s, std::vector<double>& out) {
  const torch::Tensor c = t.contiguous();
  const float* v = c.data_ptr<float>();
  const std::size_t n = s.mean.size();
  for (int64_t i = 0; i < c.numel(); ++i) out.push_back(s.inverse(double(v[i]), std::size_t(i) % n));
}

// Past the end, rows continue the series' step: `step` is nominal seconds, months for a calendar step.
std::int64_t time_of_row(const ProtocolData& p, std::size_t row, std::int64_t step) {
  if (p.time.empty()) return std::int64_t(row);
  if (row < p.rows) return p.time[row];
  return advance(p.time.back(), series_step(p.time, step), std::int64_t(row - p.rows + 1));
}

// radius [levels, B, H, N] in normalised units around pred [B, H, N].
void add_bands(ForecastBlock& block, const torch::Tensor& radius, const torch::Tensor& pred, const Scaler& scaler) {
  const auto levels = std::size_t(radius.size(0));
  block.lower.resize(levels);
  block.upper.resize(levels);
  for (std::size_t l = 0; l < levels; ++l) {
    append_real(pred - radius[int64_t(l)], scaler, block.lower[l]);
    append_real(pred + radius[int64_t(l)], scaler, block.upper[l]);
  }
}

// The model's intervals for one data set: fixed radii, or radii that adapt after the validation split to the
// misses of the forecasts whose truths are known (adaptive_intervals.h), forecasting every window on the way.
class Bands {
 public:
  Bands(Forecaster& model, const ProtocolData& p, const IntervalCalibration& cal, const CancelToken& cancel)
      : model_(model), p_(p), cal_(cal), cancel_(cancel) {
    if (cal.adapt_rate > 0) adaptive_ = std::make_unique<detail::AdaptiveRadius>(cal, p.splits.test.begin);
  }
  // Radii [levels, B, H, N] for the windows of lookback x, which start at row `start`.
  torch::Tensor radius(std::size_t start, const torch::Tensor& x) {
    if (!adaptive_ || start < p_.splits.test.begin) return interval_radius(cal_, x);
    return adaptive_->radius_for_start(model_, p_, start, cancel_).unsqueeze(1) * interval_scale(cal_, x).unsqueeze(0);
  }
  // Radii past the end of the data, after every known truth.
  torch::Tensor radius_past_end(const torch::Tensor& x) {
    if (!adaptive_ || p_.rows < p_.splits.test.begin + p_.seq_len + p_.pred_len) return interval_radius(cal_, x);
    return adaptive_->radius_past_end(model_, p_, cancel_).unsqueeze(1) * interval_scale(cal_, x).unsqueeze(0);
  }

 private:
  Forecaster& model_;
  const ProtocolData& p_;
  const IntervalCalibration& cal_;
  const CancelToken& cancel_;
  std::unique_ptr<detail::AdaptiveRadius> adaptive_;
};

// The test split as consecutive horizon-long blocks, each forecast from the lookback right before it.
void run_backtest(Forecaster& model, const ProtocolData& p, Bands* bands, std::size_t levels, std::int64_t step,
                  PredictResult& r, ProgressSink& sink, const CancelToken& cancel) {
  const SplitRange& test = p.splits.test;
  const std::size_t L = p.seq_len, H = p.pred_len;
  std::vector<std::size_t> starts;
  for (std::size_t s = test.begin; s + L + H <= test.end; s += H) starts.push_back(s);
  if (starts.empty()) return;
  if (bands) r.backtest_coverage.assign(levels, 0.0);
  ErrorAccumulator acc;
  double inside_total = 0;
  torch::NoGradGuard no_grad;
  // One block at a time when re-calibrating: each takes the radii known at its own start.
  const std::size_t batch = bands ? 1 : 32;
  for (std::size_t i0 = 0; i0 < starts.size(); i0 += batch) {
    cancel.throw_if_stopped();
    sink.progress(double(i0) / double(starts.size()), "backtest on the test split");
    const std::vector<std::size_t> chunk(starts.begin() + std::ptrdiff_t(i0),
                                         starts.begin() + std::ptrdiff_t(std::min(starts.size(), i0 + batch)));
    const detail::WindowBatch b = detail::make_batch(p, chunk, model.config());
    const torch::Tensor pred = detail::predict(model, b).contiguous();
    acc.add(pred.data_ptr<float>(), b.y.data_ptr<float>(), std::size_t(pred.numel()));
    for (std::size_t s : chunk)
      for (std::size_t h = 0; h < H; ++h) r.backtest.time.push_back(time_of_row(p, s + L + h, step));
    append_real(pred, p.scaler, r.backtest.values);
    if (bands) {
      const torch::Tensor radius = bands->radius(chunk.front(), b.x);
      add_bands(r.backtest, radius, pred, p.scaler);
      const torch::Tensor err = (pred - b.y).abs();
      for (std::size_t l = 0; l < levels; ++l) r.backtest_coverage[l] += (err <= radius[int64_t(l)]).sum().item<double>();
      inside_total += double(err.numel());
    }
  }
  for (double& c : r.backtest_coverage) c = inside_total > 0 ? c / inside_total : 0.0;
  r.backtest_mse = acc.mse();
  r.backtest_mae = acc.mae();
}

}  // namespace

Json PredictRequest::to_json() const {
  return {{"model", model}, {"csv", csv}, {"fill", fill}, {"backtest", backtest}, {"output", output},
          {"threads", threads}};
}

PredictRequest PredictRequest::from_json(const Json& j) {
  PredictRequest r;
  r.model = json_require<std::string>(j, "model", kWhere);
  r.csv = json_get(j, "csv", r.csv, kWhere);
  r.fill = json_get(j, "fill", r.fill, kWhere);
  r.backtest = json_get(j, "backtest", r.backtest, kWhere);
  r.output = json_get(j, "output", r.output, kWhere);
  r.threads = json_get(j, "threads", r.threads, kWhere);
  r.validate();
  return r;
}

void PredictRequest::validate() const {
  if (model.empty()) throw Error("no model file given", kWhere);
  if (threads < 1) throw Error("threads must be at least 1", kWhere);
}

Json PredictResult::to_json() const {
  Json j = result_metadata("forecast-predict", request.to_json());
  j["model_name"] = model_name;
  j["columns"] = columns;
  j["levels"] = levels;
  j["history_rows"] = history.rows();
  j["forecast_rows"] = forecast.rows();
  if (dated && forecast.rows()) {
    j["forecast_from"] = format_timestamp(forecast.time.front());
    j["forecast_to"] = format_timestamp(forecast.time.back());
  }
  j["backtest"] = {{"rows", backtest.rows()}, {"mse", backtest_mse}, {"mae", backtest_mae},
                   {"coverage", backtest_coverage}};
  if (!interval_caveat.empty()) j["interval_caveat"] = interval_caveat;
  j["interval_adapt"] = interval_adapt;
  j["output"] = output_path;
  return j;
}

PredictResult run_predict(const PredictRequest& request, ProgressSink& sink, const CancelToken& cancel) {
  request.validate();
  set_threads(request.threads);
  sink.progress(0.0, "loading the model");
  LoadedForecastModel loaded = load_forecast_model(request.model);
  const ForecastModelInfo& info = loaded.info;
  Forecaster& model = *loaded.model;
  const Json& trained = info.request;

  DataSpec spec;
  spec.csv = !request.csv.empty() ? request.csv : trained.value("csv", std::string());
  if (spec.csv.empty()) throw Error("the model does not name its training CSV; give one", kWhere);
  spec.columns = info.columns;
  spec.target = trained.value("target", spec.target);
  spec.fill = !request.fill.empty() ? request.fill : trained.value("fill", spec.fill);
  spec.seq_len = std::size_t(info.config.seq_len);
  spec.pred_len = std::size_t(info.config.pred_len);
  spec.scaler = Scaler{info.mean, info.scale};
  const LoadedData data = load_protocol_data(spec, sink, cancel);
  const ProtocolData& p = data.protocol;
  if (p.columns != info.columns)
    throw Error("the CSV's columns come out in another order than the model's; check the target column", spec.csv);
  if (!p.time.empty() && info.step_seconds > 0 && data.step_seconds != info.step_seconds)
    sink.log("note: the model was trained on a " + format_duration(info.step_seconds) + " step, this CSV has " +
             format_duration(data.step_seconds));

  PredictResult r;
  r.request = request;
  r.model_name = info.config.model;
  r.columns = p.columns;
  r.dated = !p.time.empty();
  r.step_seconds = data.step_seconds;
  std::unique_ptr<IntervalCalibration> cal;
  if (!info.intervals.is_null()) {
    cal = std::make_unique<IntervalCalibration>(IntervalCalibration::from_json(info.intervals));
    r.levels = cal->levels;
    r.interval_caveat = calibration_caveat(*cal);
    r.interval_adapt = cal->adapt_rate;
  }

  for (std::size_t row = 0; row < p.rows; ++row) {
    r.history.time.push_back(time_of_row(p, row, r.step_seconds));
    for (std::size_t c = 0; c < p.cols(); ++c) r.history.values.push_back(p.scaler.inverse(p.values[row * p.cols() + c], c));
  }
  model.module().eval();
  std::unique_ptr<Bands> bands;
  if (cal) bands = std::make_unique<Bands>(model, p, *cal, cancel);
  if (request.backtest) run_backtest(model, p, bands.get(), r.levels.size(), r.step_seconds, r, sink, cancel);

  cancel.throw_if_stopped();
  sink.progress(0.9, "forecasting past the end");
  const FutureForecast future = forecast_future(model, p, r.step_seconds);
  for (std::size_t h = 0; h < std::size_t(info.config.pred_len); ++h)
    r.forecast.time.push_back(time_of_row(p, p.rows + h, r.step_seconds));
  r.forecast.values = future.values;
  if (cal) {
    const std::size_t L = p.seq_len, N = p.cols();
    torch::Tensor x = torch::empty({1, int64_t(L), int64_t(N)});
    for (std::size_t i = 0; i < L * N; ++i) x.data_ptr<float>()[i] = float(p.values[(p.rows - L) * N + i]);
    // Bands around the de-normalised forecast: re-normalise it so radius and centre share units.
    std::vector<float> centre(future.values.size());
    for (std::size_t i = 0; i < centre.size(); ++i)
      centre[i] = float((future.values[i] - p.scaler.mean[i % N]) / p.scaler.scale[i % N]);
    const torch::Tensor pred =
        torch::from_blob(centre.data(), {1, int64_t(info.config.pred_len), int64_t(N)}).clone();
    add_bands(r.forecast, bands->radius_past_end(x), pred, p.scaler);
  }
  if (!request.output.empty()) {
    write_forecast_csv(r, request.output);
    r.output_path = request.output;
  }
  sink.progress(1.0, "done");
  return r;
}

void write_forecast_csv(const PredictResult& r, const std::string& path) {
  const std::size_t N = r.columns.size();
  write_file_atomic(path, [&](std::ostream& out) {
    out << (r.dated ? "date" : "step");
    for (const std::string& c : r.columns) {
      out << ',' << c;
      for (double level : r.levels) {
        const int pct = int(std::lround(level * 100));
        out << ',' << c << "_lower_" << pct << ',' << c << "_upper_" << pct;
      }
    }
    out << '\n';
    // std::to_chars: the studio runs under the user's locale, where printf could write "1,5".
    auto number = [&out](double v) {
      char buf[32];
      const auto end = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 9).ptr;
      out << ',' << std::string_view(buf, std::size_t(end - buf));
    };
    for (std::size_t h = 0; h < r.forecast.rows(); ++h) {
      out << (r.dated ? format_timestamp(r.forecast.time[h]) : std::to_string(r.forecast.time[h]));
      for (std::size_t c = 0; c < N; ++c) {
        const std::size_t i = h * N + c;
        number(r.forecast.values[i]);
        for (std::size_t l = 0; l < r.levels.size() && l < r.forecast.lower.size(); ++l) {
          number(r.forecast.lower[l][i]);
          number(r.forecast.upper[l][i]);
        }
      }
      out << '\n';
    }
  });
}

}  // namespace weft::series
