#pragma once
// Stops training when the validation metric has not improved for `patience` evaluations (lower is better).
#include <limits>

#include "common/json_io.h"

namespace weft::train {

class EarlyStopping {
 public:
  explicit EarlyStopping(int patience = 3, double min_delta = 0.0) : patience_(patience), min_delta_(min_delta) {}

  // Records one validation value; returns true when it is a new best (the caller saves the best weights then).
  bool update(double value);
  bool should_stop() const { return patience_ > 0 && since_best_ >= patience_; }
  double best() const { return best_; }
  int evaluations_since_best() const { return since_best_; }

  Json to_json() const;               // for checkpoints: resuming keeps the patience count
  void restore(const Json&);

 private:
  int patience_;
  double min_delta_;
  double best_ = std::numeric_limits<double>::infinity();
  int since_best_ = 0;
};

}  // namespace weft::train
