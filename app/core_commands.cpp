// `weft info`, `weft inspect FILE`, `weft convert IN OUT`.
#include <cstdio>
#include <iostream>

#include "commands.h"
#include "common/blas_probe.h"
#include "common/inspect_job.h"
#include "common/runtime.h"

namespace weft::cli {

namespace {

class CoreCommands final : public CommandGroup {
 public:
  void add_to(CLI::App& app) override {
    info_ = app.add_subcommand("info", "versions, devices, BLAS and threads");
    info_->add_flag("--measure", measure_, "also measure the float32 matmul rate");
    inspect_ = app.add_subcommand("inspect", "list every tensor of a .pth/.pt or .safetensors file");
    inspect_->add_option("FILE", inspect_path_, "checkpoint file")->required();
    inspect_->add_flag("--json", inspect_json_, "print JSON instead of a table");
    convert_ = app.add_subcommand("convert", "convert a PyTorch checkpoint to safetensors");
    convert_->add_option("IN", convert_req_.input, ".pth/.pt file")->required();
    convert_->add_option("OUT", convert_req_.output, ".safetensors file to write")->required();
  }
  bool selected() const override { return info_->parsed() || inspect_->parsed() || convert_->parsed(); }

  void run(Context& ctx) override {
    if (info_->parsed()) {
      std::cout << runtime_summary();
      if (measure_) {
        MatmulProbeRequest req;
        req.threads = ctx.threads;
        auto res = run_matmul_probe(req, ctx.sink, ctx.cancel);
        std::printf("Matmul      %.1f GFLOP/s (float32, %dx%d, median of %zu, %d thread%s)\n", res.median_gflops,
                    req.size, req.size, res.gflops.size(), req.threads, req.threads == 1 ? "" : "s");
      }
    } else if (inspect_->parsed()) {
      auto res = run_inspect(InspectRequest{inspect_path_}, ctx.sink, ctx.cancel);
      std::cout << (inspect_json_ ? res.to_json().dump(2) + "\n" : res.to_table());
    } else {
      auto res = run_convert(convert_req_, ctx.sink, ctx.cancel);
      std::printf("wrote %s: %zu tensors, %llu bytes\n", convert_req_.output.c_str(), res.tensors,
                  static_cast<unsigned long long>(res.bytes));
    }
  }

 private:
  CLI::App *info_ = nullptr, *inspect_ = nullptr, *convert_ = nullptr;
  bool measure_ = false, inspect_json_ = false;
  std::string inspect_path_;
  ConvertRequest convert_req_;
};

}  // namespace

std::unique_ptr<CommandGroup> core_commands() { return std::make_unique<CoreCommands>(); }

}  // namespace weft::cli
