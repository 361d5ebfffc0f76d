#pragma once
// `weft web dataset|report`: the web data layer from the command line. Kept out of weft_cli.cpp (which only
// calls add_commands / selected / run) and free of LibTorch, so tests/web can drive it without the whole CLI.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <ostream>
#include <string>

#include "web/web_generator.h"

namespace web_cli {

struct Options {
  CLI::App* dataset = nullptr;
  CLI::App* report = nullptr;
  weft::web::DatasetParams params;
  std::uint64_t seed = 0;
  std::string out;          // dataset: .safetensors (the paper's tensors) or .json (our graph list)
  std::string input;        // report: .pt (the paper's file), .safetensors or .json
  bool show_report = false;
  bool json = false;
  int bins = 16;
};

void add_commands(CLI::App& app, Options& o);
bool selected(const Options& o);
// Writes what a user reads to `out`; throws weft::Error for bad requests and files.
void run(const Options& o, std::ostream& out, bool quiet);

}  // namespace web_cli
