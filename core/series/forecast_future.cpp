#include "series/forecast_future.h"

#include <torch/torch.h>

#include "common/error.h"

namespace weft::series {

FutureForecast forecast_future(Forecaster& model, const ProtocolData& p, std::int64_t step_seconds) {
  return forecast_future(model, p, series_step(p.time, step_seconds));
}

FutureForecast forecast_future(Forecaster& model, const ProtocolData& p, const TimeStep& step) {
  const ModelConfig& c = model.config();
  const std::size_t L = static_cast<std::size_t>(c.seq_len), H = static_cast<std::size_t>(c.pred_len), N = p.cols();
  if (static_cast<std::size_t>(c.enc_in) != N)
    throw Error("the model was made for " + std::to_string(c.enc_in) + " variates, the data has " + std::to_string(N),
                "forecast");
  if (p.rows < L)
    throw Error("the data has " + std::to_string(p.rows) + " rows, fewer than the lookback " + std::to_string(L),
                "forecast");
  const bool dated = !p.time.empty() && !p.marks.empty();
  if (dated && !step.known()) throw Error("the time step of the data is unknown", "forecast");

  FutureForecast f;
  f.columns = p.columns;
  const std::size_t first = p.rows - L;
  auto x = torch::empty({1, static_cast<int64_t>(L), static_cast<int64_t>(N)});
  for (std::size_t i = 0; i < L * N; ++i) x.data_ptr<float>()[i] = static_cast<float>(p.values[first * N + i]);

  torch::Tensor x_mark, dec_mark;
  if (dated) {
    for (std::size_t h = 1; h <= H; ++h) f.time.push_back(advance(p.time.back(), step, static_cast<std::int64_t>(h)));
    const std::size_t K = p.marks.size() / p.rows;
    x_mark = torch::from_blob(const_cast<float*>(p.marks.data() + first * K),
                              {1, static_cast<int64_t>(L), static_cast<int64_t>(K)}).clone();
    // The decoder window (Autoformer, Informer) is the last label_len known rows followed by the future ones.
    const bool decoder = c.model == "autoformer" || c.model == "informer";
    const std::size_t label = decoder ? static_cast<std::size_t>(c.label_len) : 0;
    std::vector<float> dm(p.marks.end() - static_cast<std::ptrdiff_t>(label * K), p.marks.end());
    const auto future = time_features(f.time, 'h');
    dm.insert(dm.end(), future.begin(), future.end());
    dec_mark = torch::from_blob(dm.data(), {1, static_cast<int64_t>(label + H), static_cast<int64_t>(K)}).clone();
  }

  torch::NoGradGuard no_grad;
  const bool was_training = model.module().is_training();
  model.module().eval();
  auto y = model.forward(x, x_mark, dec_mark).contiguous();
  if (was_training) model.module().train();
  const float* out = y.data_ptr<float>();
  f.values.resize(H * N);
  for (std::size_t i = 0; i < H * N; ++i) f.values[i] = p.scaler.inverse(double(out[i]), i % N);
  return f;
}

}  // namespace weft::series
