#include "series/model_file.h"

#include <torch/torch.h>

#include "common/error.h"
#include "common/safetensors.h"
#include "common/torch_bridge.h"
#include "series/date_time.h"

namespace weft::series {

namespace {
constexpr const char* kFormat = "weft-forecast-model/1";
}

void save_forecast_model(const std::string& path, Forecaster& model, const ForecastModelInfo& info) {
  const Json meta = {{"config", info.config.to_json()}, {"columns", info.columns}, {"mean", info.mean},
                     {"scale", info.scale}, {"step_seconds", info.step_seconds},
                     // monthly data: step_seconds is months × kMonthSeconds, which older readers take as ~a month
                     {"step_months", TimeStep::from_seconds(info.step_seconds).months},
                     {"request", info.request}, {"intervals", info.intervals}};
  write_safetensors(path, named_tensors_of(model.module()), {{"format", kFormat}, {"weft_forecast", meta.dump()}});
}

LoadedForecastModel load_forecast_model(const std::string& path) {
  SafetensorsFile file;
  try {
    file = read_safetensors(path);
  } catch (const Error& e) {
    throw Error(std::string("not a Weft forecasting model (") + e.what() + ")", path);
  }
  auto format = file.metadata.find("format");
  if (format == file.metadata.end() || format->second != kFormat || !file.metadata.count("weft_forecast"))
    throw Error("not a Weft forecasting model (no \"" + std::string(kFormat) + "\" metadata)", path);
  const Json meta = parse_json(file.metadata.at("weft_forecast"), path + " metadata");
  LoadedForecastModel out;
  try {
    out.info.config = ModelConfig::from_json(meta.at("config"));
    out.info.columns = meta.at("columns").get<std::vector<std::string>>();
    out.info.mean = meta.at("mean").get<std::vector<double>>();
    out.info.scale = meta.at("scale").get<std::vector<double>>();
    out.info.step_seconds = meta.value("step_seconds", std::int64_t{0});
    const int months = meta.value("step_months", 0);  // the calendar step, when there is one, is the truth
    if (months > 0) out.info.step_seconds = TimeStep{0, months, false}.nominal_seconds();
    out.info.request = meta.value("request", Json());
    out.info.intervals = meta.value("intervals", Json());
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("model metadata is incomplete: ") + e.what(), path);
  }
  const std::size_t n = out.info.columns.size();
  if (n != std::size_t(out.info.config.enc_in) || out.info.mean.size() != n || out.info.scale.size() != n)
    throw Error("model metadata is inconsistent (columns, scaler and variates differ in number)", path);
  out.model = make_forecaster(out.info.config);
  load_into(out.model->module(), file.tensors, /*strict=*/true, path);
  out.model->module().eval();
  return out;
}

}  // namespace weft::series
