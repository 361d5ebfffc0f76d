#pragma once
// Scoring a forecaster under the protocol: every window of a split (stride 1, none dropped), batched, MSE/MAE on
// normalised values over windows × horizon × variates, as the official test loop with drop_last=False.
#include <cstddef>

#include "common/cancel_token.h"
#include "common/progress_sink.h"
#include "series/forecaster.h"
#include "series/protocol.h"

namespace weft::series {

enum class SplitName { Train, Val, Test };

struct EvalOptions {
  SplitName split = SplitName::Test;
  int batch_size = 32;
};

struct EvalScore {
  double mse = 0, mae = 0;
  std::size_t windows = 0;
};

// The model must match the data: enc_in = columns, seq_len/pred_len = the protocol's. Time features are passed
// when the data has them (decoder marks cover label_len + pred_len steps, for Autoformer).
EvalScore evaluate(Forecaster&, const ProtocolData&, const EvalOptions&, ProgressSink&, const CancelToken&);

}  // namespace weft::series
