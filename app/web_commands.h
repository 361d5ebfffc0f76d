#pragma once
// `weft web dataset|report`: the web data layer from the command line. Kept out of weft_cli.cpp (which only
// calls add_commands / selected / run) and free of LibTorch, so tests/web can drive it without the whole CLI.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "web/web_generator.h"

namespace web_cli {

// ---- `weft web assemble` (core/web/assembly.h): the flags as typed; web_commands.cpp builds the request.
struct AssembleOptions {
  std::string unit;            // UNIT graph file (.json or .nodes.csv/.edges.csv); empty → a generated unit
  std::string family = "orb";  // generated unit: web family, BFS cut size, a new unit per placement
  int unit_nodes = 32;
  bool vary = false;
  std::string path = "helix";  // helix | circle | attractor | expr | points
  double radius = 20, rise = 5, angle = 10, t0 = 0, t1 = 10, curve_scale = 10;
  int steps = 80;
  std::string points, expr, orientation = "tangent", weld_mode = "geometric";
  double stagger = 0.5, scale = 0, weld = -1;
  bool no_connect = false, json = false;
  std::uint64_t seed = 0;
  std::string out;
};
// ---- end `weft web assemble`

// ---- `weft web export` (core/web/mesh_export.h): graph → printable mesh file + printability report.
struct ExportOptions {
  std::string graph;            // GRAPH file (.json or .nodes.csv/.edges.csv)
  std::string out, format;      // -o FILE; --format stl | ascii-stl | 3mf | obj (default: from the extension)
  double scale = 0, size = 0;   // mm per graph unit, or the longest side in mm
  double strut = 0;             // strut diameter, mm
  double joint = 1.2, voxel = 0, quality = 3;
  bool base_plate = false;
  double plate_thickness = 1.0;
  std::vector<double> bed;      // X,Y,Z mm (default 220,220,250)
  double nozzle = 0.4;
  bool report = false, json = false;
};
// ---- end `weft web export`

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
  CLI::App* assemble = nullptr;  // `weft web assemble`
  AssembleOptions assembly;
  CLI::App* export_mesh = nullptr;  // `weft web export`
  ExportOptions exporting;
};

void add_commands(CLI::App& app, Options& o);
bool selected(const Options& o);
// Writes what a user reads to `out`; throws weft::Error for bad requests and files.
void run(const Options& o, std::ostream& out, bool quiet);

}  // namespace web_cli
