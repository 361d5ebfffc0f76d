#include "cli_sink.h"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>

namespace weft::cli {

namespace {
CancelToken* g_token = nullptr;
void on_interrupt(int) {
  if (g_token) g_token->request(CancelToken::Mode::Now);
  std::signal(SIGINT, SIG_DFL);
}
}  // namespace

void install_interrupt_handler(CancelToken& token) {
  g_token = &token;
  std::signal(SIGINT, on_interrupt);
}

TerminalSink::~TerminalSink() {
  if (line_open_) std::fputc('\n', stderr);
}

void TerminalSink::progress(double fraction, std::string_view stage) {
  if (quiet_) return;
  const auto now = std::chrono::steady_clock::now();
  const bool tty = isatty(fileno(stderr));
  // Terminals get ~10 redraws/s; logs get a line per 10 % or per second at most.
  if (start_ == std::chrono::steady_clock::time_point{}) start_ = now;
  // Quick jobs print nothing; after that terminals get ~10 redraws/s and logs a line per second at most.
  if (now - start_ < std::chrono::milliseconds(tty ? 300 : 1000)) return;
  if (fraction < 1.0 && now - last_ < std::chrono::milliseconds(tty ? 100 : 1000)) return;
  last_ = now;
  if (tty) {
    std::fprintf(stderr, "\r\033[K[%3d%%] %.*s", int(fraction * 100 + 0.5), int(stage.size()), stage.data());
    line_open_ = true;
  } else {
    std::fprintf(stderr, "[%3d%%] %.*s\n", int(fraction * 100 + 0.5), int(stage.size()), stage.data());
  }
  std::fflush(stderr);
}

void TerminalSink::log(std::string_view line) {
  if (line_open_) std::fputc('\n', stderr);
  line_open_ = false;
  std::fprintf(stderr, "%.*s\n", int(line.size()), line.data());
}

}  // namespace weft::cli
