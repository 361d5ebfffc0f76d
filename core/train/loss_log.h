#pragma once
// The history of a training run: one row per logged step or epoch. Saved as CSV next to checkpoints (for
// plotting anywhere) and carried in the checkpoint itself (so a resumed run continues the same curve).
#include <string>
#include <vector>

#include "common/json_io.h"

namespace weft::train {

struct LossRow {
  int epoch = 0;
  int step = 0;
  double train_loss = 0.0;
  double val_loss = -1.0;   // < 0: not evaluated at this row
  double lr = 0.0;
  double seconds = 0.0;     // wall time since the run started (summed over resumes)
};

class LossLog {
 public:
  void add(const LossRow& row) { rows_.push_back(row); }
  const std::vector<LossRow>& rows() const { return rows_; }
  bool empty() const { return rows_.empty(); }

  std::string to_csv() const;
  void write_csv(const std::string& path) const;  // atomic
  Json to_json() const;
  static LossLog from_json(const Json&);

 private:
  std::vector<LossRow> rows_;
};

}  // namespace weft::train
