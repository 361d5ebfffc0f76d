#pragma once
// Shared between a front-end and a running job. The front-end requests; the job polls between steps.
#include <atomic>

#include "common/error.h"

namespace weft {

class CancelToken {
 public:
  enum class Mode { None = 0, AfterCurrent = 1, Now = 2 };

  // A stronger request wins: Now after AfterCurrent upgrades, AfterCurrent after Now is ignored.
  void request(Mode m) {
    int want = static_cast<int>(m);
    int cur = mode_.load();
    while (cur < want && !mode_.compare_exchange_weak(cur, want)) {
    }
  }
  void reset() { mode_.store(0); }
  Mode mode() const { return static_cast<Mode>(mode_.load()); }
  bool stop_now() const { return mode() == Mode::Now; }
  // True for both modes: a batch job checks this between items.
  bool stop_after_current() const { return mode() != Mode::None; }
  // Convenience for loops: throws Cancelled when Now was requested.
  void throw_if_stopped() const {
    if (stop_now()) throw Cancelled();
  }

 private:
  std::atomic<int> mode_{0};
};

}  // namespace weft
