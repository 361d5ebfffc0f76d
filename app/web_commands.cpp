#include "web_commands.h"

#include <algorithm>
#include <iostream>
#include <memory>

#include "commands.h"

#include "common/error.h"
#include "web/graph_files.h"
#include "web/paper_dataset.h"
#include "web/web_report.h"

namespace web_cli {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

weft::web::WebDataset load(const std::string& path) {
  if (ends_with(path, ".json")) return weft::web::make_dataset(weft::web::read_graphs_json(path));
  return weft::web::read_web_dataset(path);
}

void print_report(const weft::web::WebDataset& ds, const Options& o, std::ostream& out) {
  const auto r = weft::web::dataset_report(ds, o.bins);
  if (o.json)
    out << weft::web::report_json(r).dump(2) << "\n";
  else
    out << weft::web::render_report(r);
}

}  // namespace

void add_commands(CLI::App& app, Options& o) {
  auto* web = app.add_subcommand("web", "spider-web graphs (Lu, Lee & Buehler 2023): data sets and reports");
  web->require_subcommand(1);
  auto* d = o.dataset = web->add_subcommand("dataset", "generate synthetic web samples (orb/sheet/tangle, BFS-cut)");
  d->add_option("-o,--out", o.out, "output file: .safetensors (paper layout) or .json")->required();
  d->add_option("--count", o.params.count, "number of samples")->check(CLI::Range(1, 10'000'000));
  d->add_option("--seed", o.seed, "64-bit seed (same seed, same samples)");
  d->add_option("--min-nodes", o.params.min_nodes, "smallest sample")->check(CLI::Range(2, 64));
  d->add_option("--max-nodes", o.params.max_nodes, "largest sample")->check(CLI::Range(2, 64));
  d->add_option("--density-min", o.params.density_min, "web density range, low end (0.25..4)");
  d->add_option("--density-max", o.params.density_max, "web density range, high end");
  d->add_option("--edge-length-min", o.params.edge_length_min, "typical thread length range, low end");
  d->add_option("--edge-length-max", o.params.edge_length_max, "typical thread length range, high end");
  d->add_option("--anisotropy-min", o.params.anisotropy_min, "anisotropy range, low end (0..0.9)");
  d->add_option("--anisotropy-max", o.params.anisotropy_max, "anisotropy range, high end");
  d->add_option("--relief", o.params.relief, "out-of-plane depth relative to size (0..1)");
  d->add_flag("--report", o.show_report, "also print the histograms of the 7 properties and node degree");
  auto* r = o.report = web->add_subcommand("report", "histograms of the 7 properties and node degree of a data set");
  r->add_option("FILE", o.input, "data set: the paper's .pt, our .safetensors or .json")->required();
  for (auto* c : {d, r}) c->add_option("--bins", o.bins, "histogram bins")->check(CLI::Range(1, 1000));
  r->add_flag("--json", o.json, "print JSON instead of text");
}

bool selected(const Options& o) { return (o.dataset && o.dataset->parsed()) || (o.report && o.report->parsed()); }

void run(const Options& o, std::ostream& out, bool quiet) {
  if (o.report && o.report->parsed()) {
    print_report(load(o.input), o, out);
    return;
  }
  const bool as_json = ends_with(o.out, ".json");
  if (!as_json && !ends_with(o.out, ".safetensors"))
    throw weft::Error("the output must end in .safetensors or .json", o.out);
  const auto graphs = weft::web::synthetic_samples(o.params, o.seed);
  if (as_json)
    weft::web::write_graphs_json(o.out, graphs);
  else
    weft::web::write_dataset_safetensors(o.out, weft::web::make_dataset(graphs));
  if (!quiet) {
    std::size_t lo = 0, hi = 0;
    for (const auto& g : graphs) {
      lo = lo ? std::min(lo, g.nodes.size()) : g.nodes.size();
      hi = std::max(hi, g.nodes.size());
    }
    out << "wrote " << o.out << ": " << graphs.size() << " samples of " << lo << ".." << hi << " nodes (seed "
        << o.seed << ")\n";
  }
  if (o.show_report) print_report(weft::web::make_dataset(graphs), o, out);
}

}  // namespace web_cli

namespace weft::cli {

namespace {

// The group weft's main() dispatches to; the work is in web_cli above, which tests/web drives directly.
class WebCommands final : public CommandGroup {
 public:
  void add_to(CLI::App& app) override { web_cli::add_commands(app, options_); }
  bool selected() const override { return web_cli::selected(options_); }
  void run(Context& ctx) override { web_cli::run(options_, std::cout, ctx.quiet); }

 private:
  web_cli::Options options_;
};

}  // namespace

std::unique_ptr<CommandGroup> web_commands() { return std::make_unique<WebCommands>(); }

}  // namespace weft::cli
