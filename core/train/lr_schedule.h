#pragma once
// Learning-rate schedules the studio's trainers use, as plain data so a training request can carry them.
#include <string>

#include "common/json_io.h"

namespace weft::train {

struct LrSchedule {
  enum class Kind {
    Constant,        // base_lr throughout
    HalveEachEpoch,  // base_lr · 0.5^epoch (the forecasting protocol's "type1" adjustment; epoch is 0-based)
    WarmupCosine,    // linear warm-up over warmup_steps, then cosine from base_lr down to min_lr at total_steps
    WarmupLinear,    // linear warm-up, then linear decay to min_lr at total_steps (VAR's trainer)
  };
  Kind kind = Kind::Constant;
  double base_lr = 1e-4;
  double min_lr = 0.0;
  int warmup_steps = 0;
  int total_steps = 0;  // needed by the two decaying kinds

  double at(int step, int epoch) const;  // step and epoch are 0-based counts of completed steps/epochs
  void validate() const;
  Json to_json() const;
  static LrSchedule from_json(const Json&);
};

std::string lr_kind_name(LrSchedule::Kind);
LrSchedule::Kind lr_kind_from_name(const std::string&);  // throws Error naming the valid kinds

}  // namespace weft::train
