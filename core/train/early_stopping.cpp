#include "train/early_stopping.h"

#include <cmath>

namespace weft::train {

bool EarlyStopping::update(double value) {
  // A NaN validation loss never counts as an improvement: training that diverged must not look best.
  if (std::isfinite(value) && value < best_ - min_delta_) {
    best_ = value;
    since_best_ = 0;
    return true;
  }
  ++since_best_;
  return false;
}

Json EarlyStopping::to_json() const {
  return {{"patience", patience_}, {"min_delta", min_delta_},
          {"best", std::isfinite(best_) ? Json(best_) : Json(nullptr)}, {"since_best", since_best_}};
}

void EarlyStopping::restore(const Json& j) {
  patience_ = json_get(j, "patience", patience_, "checkpoint early stopping");
  min_delta_ = json_get(j, "min_delta", min_delta_, "checkpoint early stopping");
  best_ = json_get(j, "best", std::numeric_limits<double>::infinity(), "checkpoint early stopping");
  since_best_ = json_get(j, "since_best", 0, "checkpoint early stopping");
}

}  // namespace weft::train
