#pragma once
// One group of `weft` subcommands per capability, each in its own file, so main() stays a dispatcher and a
// capability that is not built simply has no group.
#include <CLI/CLI.hpp>

#include <memory>
#include <vector>

#include "common/cancel_token.h"
#include "common/progress_sink.h"

namespace weft::cli {

struct Context {
  int threads = 1;
  bool quiet = false;
  ProgressSink& sink;
  const CancelToken& cancel;
};

class CommandGroup {
 public:
  virtual ~CommandGroup() = default;
  virtual void add_to(CLI::App& app) = 0;    // declares the subcommands and their flags
  virtual bool selected() const = 0;         // one of them was given on the command line
  virtual void run(Context& ctx) = 0;        // throws weft::Error / Cancelled; main() reports
};

std::unique_ptr<CommandGroup> core_commands();   // info, inspect, convert
std::unique_ptr<CommandGroup> image_commands();  // image generate|edit      (when built with core/image)
std::unique_ptr<CommandGroup> video_commands();  // video generate|train|classifier|eval (core/image)
std::unique_ptr<CommandGroup> forecast_commands();  // forecast inspect|train (when built with core/series)
std::unique_ptr<CommandGroup> web_commands();       // web dataset|report|assemble|export (core/web)
std::unique_ptr<CommandGroup> web_model_commands(); // web train|generate|eval (core/web's model); after web_commands

}  // namespace weft::cli
