#include "web_commands.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.h"

#include "common/atomic_file.h"
#include "common/cancel_token.h"
#include "common/error.h"
#include "common/progress_sink.h"
#include "web/assembly.h"
#include "web/graph_files.h"
#ifdef WEFT_HAVE_WEB_MESH
#include "web/mesh_export.h"
#endif
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

// ---- `weft web assemble`: units along a helix / circle / attractor / user curve or points (core/web/assembly.h)

void add_assemble_command(CLI::App* web, Options& o) {
  AssembleOptions& a = o.assembly;
  auto* c = o.assemble = web->add_subcommand("assemble", "place web units along a helix or curve, weld, connect");
  c->add_option("UNIT", a.unit, "unit graph (.json or .nodes.csv); default: a generated web cut to --unit-nodes");
  c->add_option("-o,--out", a.out, "output graph .json (with the assembly report and the request)")->required();
  c->add_option("--path", a.path, "helix | circle | attractor | expr | points");
  c->add_option("--radius", a.radius, "helix/circle radius (20)");
  c->add_option("--rise", a.rise, "helix: z per step (5)");
  c->add_option("--angle", a.angle, "helix: degrees per step (10)");
  c->add_option("--steps", a.steps, "placements after the first (helix, attractor, expr); units round a circle");
  c->add_option("--points", a.points, "points: file of unit centres (CSV x,y,z or JSON [[x,y,z],...])");
  c->add_option("--expr", a.expr, "expr: \"x(t), y(t), z(t)\" with + - * / ^ ( ) sin cos tan exp log sqrt abs pi");
  c->add_option("--t0", a.t0, "attractor/expr: first t (0)");
  c->add_option("--t1", a.t1, "attractor/expr: last t (10)");
  c->add_option("--curve-scale", a.curve_scale, "attractor: size factor (10, as the paper)");
  c->add_option("--stagger", a.stagger, "overlap of consecutive units, fraction of a unit's length (0..0.95)");
  c->add_option("--scale", a.scale, "fixed unit scale (default: chosen from --stagger)");
  c->add_option("--orientation", a.orientation, "tangent (unit follows the path) | fixed");
  c->add_option("--weld", a.weld, "weld tolerance (default: half the unit's median edge; 0 = no welding)");
  c->add_option("--weld-mode", a.weld_mode, "geometric | index (the paper's rule: nodes identified by index)");
  c->add_flag("--no-connect", a.no_connect, "leave separate components instead of bridging them");
  c->add_option("--family", a.family, "generated unit: orb | sheet | tangle");
  c->add_option("--unit-nodes", a.unit_nodes, "generated unit: nodes in the BFS cut (32)");
  c->add_flag("--vary", a.vary, "a new generated unit for every placement");
  c->add_option("--seed", a.seed, "64-bit seed of the generated unit(s)");
  c->add_flag("--json", a.json, "print the assembly report as JSON");
}

// Flags → request JSON → AssemblyRequest, so the CLI and a saved result's "request" parse the same way.
weft::web::AssemblyRequest assembly_request(const AssembleOptions& a) {
  nlohmann::json path = {{"kind", a.path},   {"radius", a.radius}, {"rise", a.rise},
                         {"angle_deg", a.angle}, {"steps", a.steps}, {"t0", a.t0},
                         {"t1", a.t1},       {"scale", a.curve_scale}, {"expression", a.expr}};
  if (a.path == "points") {
    if (a.points.empty()) throw weft::Error("--path points needs --points FILE", "weft web assemble");
    nlohmann::json pts = nlohmann::json::array();
    for (const auto& p : weft::web::read_points_file(a.points)) pts.push_back({p.x, p.y, p.z});
    path["points"] = pts;
  }
  if (a.path == "expr" && a.expr.empty())
    throw weft::Error("--path expr needs --expr \"x(t), y(t), z(t)\"", "weft web assemble");
  const nlohmann::json j = {
      {"unit", {{"file", a.unit}, {"family", a.family}, {"nodes", a.unit_nodes}, {"vary", a.vary}}},
      {"path", path},
      {"orientation", a.orientation},
      {"unit_scale", a.scale},
      {"stagger", a.stagger},
      {"weld_mode", a.weld_mode},
      {"weld_tolerance", a.weld},
      {"connect", !a.no_connect},
      {"seed", a.seed}};
  auto req = weft::web::AssemblyRequest::from_json(j);
  req.validate();
  return req;
}

void run_assemble(const AssembleOptions& a, std::ostream& out, bool quiet) {
  if (!ends_with(a.out, ".json")) throw weft::Error("the output must end in .json", a.out);
  const auto req = assembly_request(a);
  weft::NullSink sink;
  weft::CancelToken cancel;
  const auto result = weft::web::assemble(req, sink, cancel);
  weft::write_file_atomic(a.out, result.to_json().dump() + "\n");  // only after everything succeeded
  if (a.json) {
    out << result.to_json()["assembly"].dump(2) << "\n";
  } else if (!quiet) {
    out << "wrote " << a.out << ": " << result.graph.nodes.size() << " nodes, " << result.graph.edges.size()
        << " edges\n"
        << result.report();
  }
}

// ---- end `weft web assemble`

// ---- `weft web export`: graph → printable mesh + report (core/web/mesh_export.h; weft_web_mesh, OpenVDB). Built
// only where weft_web_mesh is linked (WEFT_HAVE_WEB_MESH); elsewhere the subcommand is simply absent.
#ifdef WEFT_HAVE_WEB_MESH
void add_export_command(CLI::App* web, Options& o) {
  ExportOptions& e = o.exporting;
  auto* c = o.export_mesh = web->add_subcommand(
      "export", "graph → one watertight mesh in mm (STL/3MF/OBJ) or a 3MF beam lattice + print report");
  c->add_option("GRAPH", e.graph, "graph file (.json or .nodes.csv / .edges.csv)")->required();
  c->add_option("-o,--out", e.out, "mesh file: .stl (binary), .3mf or .obj")->required();
  c->add_option("--format", e.format,
                "stl | ascii-stl | 3mf | 3mf-beams | obj (default: from the file name); 3mf-beams: nodes + beams for "
                "software that reads 3MF beam lattices, no meshing");
  auto* scale = c->add_option("--scale", e.scale, "mm per graph unit (graph coordinates have no unit)");
  auto* size = c->add_option("--size", e.size, "or: the web's longest side in mm");
  scale->excludes(size);
  c->add_option("--strut", e.strut, "strut diameter in mm (FDM: ≥ 0.8 with a 0.4 mm nozzle)")->required();
  c->add_option("--joint", e.joint, "joint radius / largest incident strut radius (1.2)");
  c->add_option("--voxel", e.voxel, "voxel size in mm (default: strut radius / --quality)");
  c->add_option("--quality", e.quality, "voxels per strut radius when --voxel is not given (3)");
  c->add_flag("--base-plate", e.base_plate, "fuse a flat plate under the lowest point");
  c->add_option("--plate-thickness", e.plate_thickness, "base plate thickness in mm (1)");
  c->add_option("--bed", e.bed, "printer bed X,Y,Z in mm (220,220,250)")->delimiter(',')->expected(3);
  c->add_option("--nozzle", e.nozzle, "nozzle diameter in mm (0.4)");
  c->add_flag("--report", e.report, "print the full printability report");
  c->add_flag("--json", e.json, "print the result (request, report, timings) as JSON");
}

void run_export(const ExportOptions& e, std::ostream& out, bool quiet) {
  if (!(e.scale > 0) && !(e.size > 0))
    throw weft::Error("give --scale MM_PER_UNIT or --size MM: graph coordinates have no unit", "weft web export");
  weft::web::MeshRequest req;
  req.graph_path = e.graph;
  req.output = e.out;
  req.format = e.format;
  req.scale_mm = e.scale;
  req.size_mm = e.size;
  req.strut_mm = e.strut;
  req.joint_factor = e.joint;
  req.voxel_mm = e.voxel;
  req.voxels_per_radius = e.quality;
  req.base_plate = e.base_plate;
  req.plate_thickness_mm = e.plate_thickness;
  if (e.bed.size() == 3) req.bed_mm = {e.bed[0], e.bed[1], e.bed[2]};
  req.nozzle_mm = e.nozzle;
  weft::NullSink sink;
  weft::CancelToken cancel;
  const auto res = weft::web::export_web_mesh(req, sink, cancel);
  if (e.json) {
    out << res.to_json().dump(2) << "\n";
    return;
  }
  const auto& r = res.report;
  if (!quiet && r.beam_lattice) {
    char line[256];
    std::snprintf(line, sizeof line,
                  "wrote %s: beam lattice, %zu beams on %zu nodes, %.4g × %.4g × %.4g mm, %zu part%s (%.2f s)\n",
                  e.out.c_str(), r.beams, r.vertices, r.size_mm[0], r.size_mm[1], r.size_mm[2], r.components,
                  r.components == 1 ? "" : "s", res.mesh_seconds + res.write_seconds);
    out << line;
  } else if (!quiet) {
    char line[256];
    std::snprintf(line, sizeof line, "wrote %s: %zu triangles, %.4g mm³, %.4g × %.4g × %.4g mm, %s, %zu part%s (%.2f s)\n",
                  e.out.c_str(), r.triangles, r.volume_mm3, r.size_mm[0], r.size_mm[1], r.size_mm[2],
                  r.watertight ? "watertight" : "NOT watertight", r.components, r.components == 1 ? "" : "s",
                  res.mesh_seconds + res.write_seconds);
    out << line;
  }
  if (e.report) {
    out << weft::web::render_print_report(r);
    return;
  }
  for (const auto& x : r.errors) out << "error: " << x << "\n";
  for (const auto& w : r.warnings) out << "warning: " << w << "\n";
}
#else
void add_export_command(CLI::App*, Options&) {}
void run_export(const ExportOptions&, std::ostream&, bool) {}
#endif

// ---- end `weft web export`

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
  d->add_flag("--growth-order", o.params.growth_order, "entries point from later (BFS) nodes to earlier ones");
  d->add_flag("--root-at-origin", o.params.root_at_origin, "translate each sample so its first node is at 0,0,0");
  d->add_flag("--report", o.show_report, "also print the histograms of the 7 properties and node degree");
  auto* r = o.report = web->add_subcommand("report", "histograms of the 7 properties and node degree of a data set");
  r->add_option("FILE", o.input, "data set: the paper's .pt, our .safetensors or .json")->required();
  for (auto* c : {d, r}) c->add_option("--bins", o.bins, "histogram bins")->check(CLI::Range(1, 1000));
  r->add_flag("--json", o.json, "print JSON instead of text");
  add_assemble_command(web, o);
  add_export_command(web, o);
}

bool selected(const Options& o) {
  return (o.dataset && o.dataset->parsed()) || (o.report && o.report->parsed()) ||
         (o.assemble && o.assemble->parsed()) || (o.export_mesh && o.export_mesh->parsed());
}

void run(const Options& o, std::ostream& out, bool quiet) {
  if (o.assemble && o.assemble->parsed()) {
    run_assemble(o.assembly, out, quiet);
    return;
  }
  if (o.export_mesh && o.export_mesh->parsed()) {
    run_export(o.exporting, out, quiet);
    return;
  }
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
