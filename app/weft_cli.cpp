// weft — the command-line front-end. Thin: parse flags into a request, run the core job, report.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "cli_sink.h"
#include "common/blas_probe.h"
#include "common/error.h"
#include "common/inspect_job.h"
#include "common/runtime.h"

using namespace weft;

int main(int argc, char** argv) {
  CLI::App app{"Weft Studio command line: the studio's jobs without the GUI"};
  app.require_subcommand(1);
  int threads = default_threads();
  bool quiet = false;
  app.add_option("--threads", threads, "intra-op threads (default: $WEFT_THREADS or 1)")->check(CLI::Range(1, 1024));
  app.add_flag("-q,--quiet", quiet, "no progress output");

  auto* info = app.add_subcommand("info", "versions, devices, BLAS and threads");
  bool probe = false;
  info->add_flag("--measure", probe, "also measure the float32 matmul rate");

  auto* inspect = app.add_subcommand("inspect", "list every tensor of a .pth/.pt or .safetensors file");
  std::string inspect_path;
  bool inspect_json = false;
  inspect->add_option("FILE", inspect_path, "checkpoint file")->required();
  inspect->add_flag("--json", inspect_json, "print JSON instead of a table");

  auto* convert = app.add_subcommand("convert", "convert a PyTorch checkpoint to safetensors");
  ConvertRequest convert_req;
  convert->add_option("IN", convert_req.input, ".pth/.pt file")->required();
  convert->add_option("OUT", convert_req.output, ".safetensors file to write")->required();

  CLI11_PARSE(app, argc, argv);

  CancelToken cancel;
  cli::install_interrupt_handler(cancel);
  cli::TerminalSink sink(quiet);
  try {
    set_threads(threads);
    const BlasReport blas = blas_report();
    if (blas.slow) std::fprintf(stderr, "WARNING: %s\n", blas.warning.c_str());

    if (*info) {
      std::cout << runtime_summary();
      if (probe) {
        MatmulProbeRequest req;
        req.threads = threads;
        auto res = run_matmul_probe(req, sink, cancel);
        std::printf("Matmul      %.1f GFLOP/s (float32, %dx%d, median of %zu, %d thread%s)\n", res.median_gflops,
                    req.size, req.size, res.gflops.size(), req.threads, req.threads == 1 ? "" : "s");
      }
    } else if (*inspect) {
      auto res = run_inspect(InspectRequest{inspect_path}, sink, cancel);
      if (inspect_json)
        std::cout << res.to_json().dump(2) << "\n";
      else
        std::cout << res.to_table();
    } else if (*convert) {
      auto res = run_convert(convert_req, sink, cancel);
      std::printf("wrote %s: %zu tensors, %llu bytes\n", convert_req.output.c_str(), res.tensors,
                  static_cast<unsigned long long>(res.bytes));
    }
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
