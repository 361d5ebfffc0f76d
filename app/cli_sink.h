#pragma once
// The CLI's ProgressSink: one updating status line on a terminal, plain lines otherwise; Ctrl-C cancels.
#include <chrono>
#include <string_view>

#include "common/cancel_token.h"
#include "common/progress_sink.h"

namespace weft::cli {

class TerminalSink final : public ProgressSink {
 public:
  explicit TerminalSink(bool quiet) : quiet_(quiet) {}
  ~TerminalSink() override;
  void progress(double fraction, std::string_view stage) override;
  void log(std::string_view line) override;

 private:
  bool quiet_;
  bool line_open_ = false;
  std::chrono::steady_clock::time_point start_{}, last_{};
};

// First Ctrl-C: cancel now (the job stops at its next check); second: default action.
void install_interrupt_handler(CancelToken&);

}  // namespace weft::cli
