// weft — the command-line front-end. Thin: each capability's command group parses flags into a request and runs
// the core job; main() only dispatches and turns errors into messages and exit codes.
#include <cstdio>

#include "cli_sink.h"
#include "commands.h"
#include "common/error.h"
#include "common/runtime.h"

using namespace weft;

int main(int argc, char** argv) {
  CLI::App app{"Weft Studio command line: the studio's jobs without the GUI"};
  app.require_subcommand(1);
  int threads = default_threads();
  bool quiet = false;
  app.add_option("--threads", threads, "intra-op threads (default: $WEFT_THREADS or 1)")->check(CLI::Range(1, 1024));
  app.add_flag("-q,--quiet", quiet, "no progress output");

  std::vector<std::unique_ptr<cli::CommandGroup>> groups;
  groups.push_back(cli::core_commands());
#ifdef WEFT_HAVE_IMAGE
  groups.push_back(cli::image_commands());
  groups.push_back(cli::video_commands());
#endif
#ifdef WEFT_HAVE_SERIES
  groups.push_back(cli::forecast_commands());
#endif
#ifdef WEFT_HAVE_WEB
  groups.push_back(cli::web_commands());
#endif
#ifdef WEFT_HAVE_WEB_MODEL
  groups.push_back(cli::web_model_commands());
#endif
  for (auto& g : groups) g->add_to(app);

  CLI11_PARSE(app, argc, argv);

  CancelToken cancel;
  cli::install_interrupt_handler(cancel);
  cli::TerminalSink sink(quiet);
  cli::Context ctx{threads, quiet, sink, cancel};
  try {
    set_threads(threads);
    const BlasReport blas = blas_report();
    if (blas.slow) std::fprintf(stderr, "WARNING: %s\n", blas.warning.c_str());
    for (auto& g : groups)
      if (g->selected()) g->run(ctx);
  } catch (const Cancelled&) {
    std::fprintf(stderr, "cancelled\n");
    return 130;
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "internal error: %s\n", e.what());
    return 2;
  }
  return 0;
}
