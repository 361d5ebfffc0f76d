#pragma once
// Internal: constructors of the concrete forecasters, each defined in its own translation unit.
#include <memory>

#include "series/forecaster.h"

namespace weft::series::detail {

// Shared pieces (defined next to their first user):
// centred moving average over time with the ends padded by repetition, x [B, L, C] (dlinear.cpp);
at::Tensor moving_average(const at::Tensor& x, int kernel);
// sinusoidal position table [1, length, d_model], kept as the `pe` buffer the checkpoints carry (encoder_forecasters.cpp).
at::Tensor sinusoid_table(int d_model, int length = 5000);

std::unique_ptr<Forecaster> make_dlinear(const ModelConfig&);
std::unique_ptr<Forecaster> make_itransformer(const ModelConfig&);
std::unique_ptr<Forecaster> make_patchtst(const ModelConfig&);
std::unique_ptr<Forecaster> make_autoformer(const ModelConfig&);
std::unique_ptr<Forecaster> make_informer(const ModelConfig&);

}  // namespace weft::series::detail
