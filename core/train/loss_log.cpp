#include "train/loss_log.h"

#include <cstdio>

#include "common/atomic_file.h"

namespace weft::train {

std::string LossLog::to_csv() const {
  std::string out = "epoch,step,train_loss,val_loss,lr,seconds\n";
  char line[256];
  for (const auto& r : rows_) {
    std::snprintf(line, sizeof line, "%d,%d,%.9g,", r.epoch, r.step, r.train_loss);
    out += line;
    if (r.val_loss >= 0) {
      std::snprintf(line, sizeof line, "%.9g", r.val_loss);
      out += line;
    }
    std::snprintf(line, sizeof line, ",%.9g,%.3f\n", r.lr, r.seconds);
    out += line;
  }
  return out;
}

void LossLog::write_csv(const std::string& path) const { write_file_atomic(path, to_csv()); }

Json LossLog::to_json() const {
  Json rows = Json::array();
  for (const auto& r : rows_) rows.push_back({r.epoch, r.step, r.train_loss, r.val_loss, r.lr, r.seconds});
  return {{"columns", {"epoch", "step", "train_loss", "val_loss", "lr", "seconds"}}, {"rows", rows}};
}

LossLog LossLog::from_json(const Json& j) {
  LossLog log;
  if (!j.is_object() || !j.contains("rows") || !j["rows"].is_array()) throw Error("loss log has no rows", "checkpoint");
  for (const auto& r : j["rows"]) {
    if (!r.is_array() || r.size() != 6) throw Error("loss log row has the wrong shape", "checkpoint");
    try {
      log.add({r[0].get<int>(), r[1].get<int>(), r[2].get<double>(), r[3].get<double>(), r[4].get<double>(),
               r[5].get<double>()});
    } catch (const nlohmann::json::exception&) {
      throw Error("loss log row holds a non-number", "checkpoint");
    }
  }
  return log;
}

}  // namespace weft::train
