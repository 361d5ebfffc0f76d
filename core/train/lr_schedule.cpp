#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace weft::train {

namespace {
constexpr const char* kNames[] = {"constant", "halve-each-epoch", "warmup-cosine", "warmup-linear"};
}

std::string lr_kind_name(LrSchedule::Kind k) { return kNames[static_cast<int>(k)]; }

LrSchedule::Kind lr_kind_from_name(const std::string& name) {
  for (int i = 0; i < 4; ++i)
    if (name == kNames[i]) return static_cast<LrSchedule::Kind>(i);
  throw Error("unknown learning-rate schedule \"" + name +
                  "\" (use constant, halve-each-epoch, warmup-cosine or warmup-linear)", "training request");
}

double LrSchedule::at(int step, int epoch) const {
  switch (kind) {
    case Kind::Constant: return base_lr;
    case Kind::HalveEachEpoch: return base_lr * std::pow(0.5, std::max(0, epoch));
    case Kind::WarmupCosine:
    case Kind::WarmupLinear: {
      if (step < warmup_steps) return base_lr * double(step + 1) / double(warmup_steps);
      const int decay_steps = std::max(1, total_steps - warmup_steps);
      const double t = std::clamp(double(step - warmup_steps) / decay_steps, 0.0, 1.0);
      const double shape = kind == Kind::WarmupCosine ? 0.5 * (1.0 + std::cos(M_PI * t)) : 1.0 - t;
      return min_lr + (base_lr - min_lr) * shape;
    }
  }
  return base_lr;
}

void LrSchedule::validate() const {
  const std::string where = "learning-rate schedule";
  if (!(base_lr > 0.0) || !std::isfinite(base_lr)) throw Error("base learning rate must be positive", where);
  if (min_lr < 0.0 || min_lr > base_lr) throw Error("min_lr must be between 0 and base_lr", where);
  if (warmup_steps < 0) throw Error("warmup_steps must not be negative", where);
  if ((kind == Kind::WarmupCosine || kind == Kind::WarmupLinear) && total_steps <= warmup_steps)
    throw Error("total_steps (" + std::to_string(total_steps) + ") must exceed warmup_steps (" +
                    std::to_string(warmup_steps) + ")", where);
}

Json LrSchedule::to_json() const {
  return {{"kind", lr_kind_name(kind)}, {"base_lr", base_lr}, {"min_lr", min_lr},
          {"warmup_steps", warmup_steps}, {"total_steps", total_steps}};
}

LrSchedule LrSchedule::from_json(const Json& j) {
  LrSchedule s;
  s.kind = lr_kind_from_name(json_get<std::string>(j, "kind", lr_kind_name(s.kind), "lr schedule"));
  s.base_lr = json_get(j, "base_lr", s.base_lr, "lr schedule");
  s.min_lr = json_get(j, "min_lr", s.min_lr, "lr schedule");
  s.warmup_steps = json_get(j, "warmup_steps", s.warmup_steps, "lr schedule");
  s.total_steps = json_get(j, "total_steps", s.total_steps, "lr schedule");
  s.validate();
  return s;
}

}  // namespace weft::train
