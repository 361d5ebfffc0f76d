// DLinear (Zeng et al., "Are Transformers Effective for Time Series Forecasting?"): a moving-average trend and
// the seasonal remainder, each mapped lookback → horizon by a Linear, summed. Module names as LTSF-Linear's
// state dict: Linear_Seasonal / Linear_Trend, a ModuleList of per-variate Linears when `individual`.
#include <torch/torch.h>

#include "series/model_factories.h"

namespace weft::series::detail {

// Trend by a centred moving average; the ends are padded by repeating the first/last value so that the trend
// has the input's length (as the reference decomposition does).
torch::Tensor moving_average(const torch::Tensor& x, int kernel) {  // x [B, L, C]
  const int64_t pad = (kernel - 1) / 2;
  auto front = x.narrow(1, 0, 1).expand({-1, pad, -1});
  auto back = x.narrow(1, x.size(1) - 1, 1).expand({-1, pad, -1});
  auto padded = torch::cat({front, x, back}, 1).permute({0, 2, 1});
  return torch::avg_pool1d(padded, {kernel}, {1}).permute({0, 2, 1});
}

namespace {

class DLinearNet : public torch::nn::Module {
 public:
  explicit DLinearNet(const ModelConfig& c) : kernel_(c.moving_avg), individual_(c.individual) {
    if (individual_) {
      seasonal_list_ = register_module("Linear_Seasonal", torch::nn::ModuleList());
      trend_list_ = register_module("Linear_Trend", torch::nn::ModuleList());
      for (int i = 0; i < c.enc_in; ++i) {
        seasonal_list_->push_back(torch::nn::Linear(c.seq_len, c.pred_len));
        trend_list_->push_back(torch::nn::Linear(c.seq_len, c.pred_len));
      }
    } else {
      seasonal_ = register_module("Linear_Seasonal", torch::nn::Linear(c.seq_len, c.pred_len));
      trend_ = register_module("Linear_Trend", torch::nn::Linear(c.seq_len, c.pred_len));
    }
  }

  torch::Tensor forward(const torch::Tensor& x) {  // [B, L, C] → [B, H, C]
    auto trend = moving_average(x, kernel_);
    auto seasonal = (x - trend).permute({0, 2, 1});
    trend = trend.permute({0, 2, 1});
    torch::Tensor out;
    if (individual_) {
      std::vector<torch::Tensor> per_var;
      for (size_t i = 0; i < seasonal_list_->size(); ++i) {
        auto s = seasonal_list_[i]->as<torch::nn::Linear>()->forward(seasonal.select(1, i));
        auto t = trend_list_[i]->as<torch::nn::Linear>()->forward(trend.select(1, i));
        per_var.push_back(s + t);
      }
      out = torch::stack(per_var, 1);
    } else {
      out = seasonal_->forward(seasonal) + trend_->forward(trend);
    }
    return out.permute({0, 2, 1});
  }

 private:
  int kernel_;
  bool individual_;
  torch::nn::Linear seasonal_{nullptr}, trend_{nullptr};
  torch::nn::ModuleList seasonal_list_{nullptr}, trend_list_{nullptr};
};

class DLinearForecaster final : public Forecaster {
 public:
  explicit DLinearForecaster(const ModelConfig& c) : Forecaster(c), net_(std::make_shared<DLinearNet>(c)) {}
  using Forecaster::forward;
  at::Tensor forward(const at::Tensor& x, const at::Tensor&, const at::Tensor&) override { return net_->forward(x); }
  torch::nn::Module& module() override { return *net_; }

 private:
  std::shared_ptr<DLinearNet> net_;
};

}  // namespace

std::unique_ptr<Forecaster> make_dlinear(const ModelConfig& c) { return std::make_unique<DLinearForecaster>(c); }

}  // namespace weft::series::detail
