#pragma once
// A job's intra-op thread count for its lifetime: set on entry, the previous count restored on exit (also when
// the job throws), so a request's `threads` never leaks into the next job on the same worker.
#include "common/runtime.h"

namespace weft {

class ThreadScope {
 public:
  explicit ThreadScope(int n) : previous_(threads()) { set_threads(n); }
  ~ThreadScope() { set_threads(previous_); }
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int previous_;
};

}  // namespace weft
