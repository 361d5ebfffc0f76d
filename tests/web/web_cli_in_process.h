#pragma once
// Runs a `weft web …` command in-process through the same CLI11 definitions as the weft binary
// (app/web_commands.cpp) and returns what it printed; weft::Errors propagate to the test.
#include <sstream>
#include <string>
#include <vector>

#include "web_commands.h"

namespace weft::web::testing {

// `args` are what follows the program name, e.g. {"web", "report", "x.json"}.
inline std::string weft_web(const std::vector<std::string>& args) {
  CLI::App app{"test"};
  web_cli::Options o;
  web_cli::add_commands(app, o);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes the arguments reversed
  app.parse(reversed);
  if (!web_cli::selected(o)) return "(not selected)";
  std::ostringstream out;
  web_cli::run(o, out, false);
  return out.str();
}

}  // namespace weft::web::testing
