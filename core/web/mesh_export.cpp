#include "web/mesh_export.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "common/cancel_token.h"
#include "common/error.h"
#include "common/json_io.h"  // json_get only (header templates): weft_web_mesh does not link weft_core
#include "common/progress_sink.h"
#include "web/graph_files.h"
#include "web/mesh_io.h"

namespace weft::web {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void check_request(const MeshRequest& r) {
  if (!(r.strut_mm > 0)) throw Error("give the strut diameter in mm (> 0)", "export request");
  if (!(r.nozzle_mm > 0)) throw Error("the nozzle diameter must be > 0 mm", "export request");
  for (double b : r.bed_mm)
    if (!(b > 0)) throw Error("the bed size must be positive in x, y and z", "export request");
  if (!r.format.empty()) parse_mesh_format(r.format);
  if (!r.output.empty() && r.format.empty()) mesh_format_for_path(r.output);
  if (r.base_plate && r.format == "3mf-beams")
    throw Error("a base plate is not available with 3mf-beams (a beam lattice has no solid to fuse it to); "
                "export stl or 3mf for a plate", "export request");
}

PrinterSpec printer_of(const MeshRequest& r) {
  PrinterSpec printer;
  printer.bed_mm = r.bed_mm;
  printer.nozzle_mm = r.nozzle_mm;
  printer.min_strut_mm = r.min_strut_mm;
  return printer;
}

// Struts and joints → one watertight mesh, on the bed.
void mesh_graph(WebGraph g, const MeshRequest& req, MeshResult& res, ProgressSink& sink, const CancelToken& cancel) {
  StrutParams p;
  p.strut_diameter_mm = req.strut_mm;
  p.joint_factor = req.joint_factor;
  p.voxel_mm = req.voxel_mm;
  p.voxels_per_radius = req.voxels_per_radius;
  p.base_plate = req.base_plate;
  p.plate_thickness_mm = req.plate_thickness_mm;
  p.plate_margin_mm = req.plate_margin_mm;
  p.memory_budget_gib = req.memory_budget_gib;
  res.voxel_mm = effective_voxel_mm(g, p);

  // Onto the bed before meshing: shift the graph by whole voxels so the solid starts just above 0 on every axis
  // (within a few voxels). Shifting the finished float mesh instead would round nearly collinear corners on the flat
  // plate into zero-area triangles; a whole-voxel shift leaves the sampled field, and so the mesh, unchanged.
  {
    const double reach = req.strut_mm / 2 * req.joint_factor + 2 * res.voxel_mm;
    double lo[3] = {1e300, 1e300, 1e300};
    for (const Vec3& n : g.nodes) lo[0] = std::min(lo[0], n.x), lo[1] = std::min(lo[1], n.y), lo[2] = std::min(lo[2], n.z);
    double shift[3];
    for (int k = 0; k < 3; ++k) {
      const double edge = lo[k] - reach - (req.base_plate && k < 2 ? req.plate_margin_mm : 0.0);
      shift[k] = -std::floor(edge / res.voxel_mm) * res.voxel_mm;
    }
    for (Vec3& n : g.nodes) n.x += shift[0], n.y += shift[1], n.z += shift[2];
  }
  const auto t0 = std::chrono::steady_clock::now();
  res.mesh = mesh_struts(g, p, sink, cancel);
  res.mesh_seconds = seconds_since(t0);

  res.report = printability_report(res.mesh, req.strut_mm, printer_of(req));
  if (!res.report.watertight || !res.report.outward)
    throw Error("the mesh failed the watertight check (" + (res.report.errors.empty() ? std::string("?") : res.report.errors[0]) +
                    "); nothing was written",
                "export");
}

}  // namespace

nlohmann::json MeshRequest::to_json() const {
  return nlohmann::json{{"graph", graph_path},
                        {"scale_mm", scale_mm},
                        {"size_mm", size_mm},
                        {"strut_mm", strut_mm},
                        {"joint_factor", joint_factor},
                        {"voxel_mm", voxel_mm},
                        {"voxels_per_radius", voxels_per_radius},
                        {"base_plate", base_plate},
                        {"plate_thickness_mm", plate_thickness_mm},
                        {"plate_margin_mm", plate_margin_mm},
                        {"bed_mm", bed_mm},
                        {"nozzle_mm", nozzle_mm},
                        {"min_strut_mm", min_strut_mm},
                        {"memory_budget_gib", memory_budget_gib},
                        {"format", format},
                        {"output", output}};
}

MeshRequest MeshRequest::from_json(const nlohmann::json& j) {
  const char* where = "export request";
  MeshRequest r;
  r.graph_path = json_get(j, "graph", r.graph_path, where);
  r.scale_mm = json_get(j, "scale_mm", r.scale_mm, where);
  r.size_mm = json_get(j, "size_mm", r.size_mm, where);
  r.strut_mm = json_get(j, "strut_mm", r.strut_mm, where);
  r.joint_factor = json_get(j, "joint_factor", r.joint_factor, where);
  r.voxel_mm = json_get(j, "voxel_mm", r.voxel_mm, where);
  r.voxels_per_radius = json_get(j, "voxels_per_radius", r.voxels_per_radius, where);
  r.base_plate = json_get(j, "base_plate", r.base_plate, where);
  r.plate_thickness_mm = json_get(j, "plate_thickness_mm", r.plate_thickness_mm, where);
  r.plate_margin_mm = json_get(j, "plate_margin_mm", r.plate_margin_mm, where);
  r.bed_mm = json_get(j, "bed_mm", r.bed_mm, where);
  r.nozzle_mm = json_get(j, "nozzle_mm", r.nozzle_mm, where);
  r.min_strut_mm = json_get(j, "min_strut_mm", r.min_strut_mm, where);
  r.memory_budget_gib = json_get(j, "memory_budget_gib", r.memory_budget_gib, where);
  r.format = json_get(j, "format", r.format, where);
  r.output = json_get(j, "output", r.output, where);
  return r;
}

nlohmann::json MeshResult::to_json() const {
  return nlohmann::json{
      {"weft", {{"version", WEFT_VERSION_STRING}, {"job", "web-export"}, {"request", request.to_json()}}},
      {"report", print_report_json(report)},
      {"mm_per_unit", mm_per_unit},
      {"voxel_mm", voxel_mm},
      {"mesh_seconds", mesh_seconds},
      {"write_seconds", write_seconds},
      {"written", written}};
}

MeshResult export_web_mesh(const MeshRequest& req, ProgressSink& sink, const CancelToken& cancel) {
  check_request(req);  // before reading a possibly large file
  if (req.graph_path.empty()) throw Error("no graph file given", "export request");
  sink.progress(0.0, "reading the graph");
  return export_web_mesh(read_graph_file(req.graph_path), req, sink, cancel);
}

MeshResult export_web_mesh(const WebGraph& graph, const MeshRequest& req, ProgressSink& sink,
                           const CancelToken& cancel) {
  check_request(req);
  if (graph.nodes.empty()) throw Error("the graph has no nodes: nothing to print", "export");
  validate(graph, req.graph_path.empty() ? "export" : req.graph_path);
  MeshResult res;
  res.request = req;
  res.mm_per_unit = graph_scale_mm(graph, req.scale_mm, req.size_mm);
  const WebGraph g = scale_graph(graph, res.mm_per_unit);
  const MeshFormat f = !req.format.empty() ? parse_mesh_format(req.format)
                       : req.output.empty() ? MeshFormat::StlBinary
                                            : mesh_format_for_path(req.output);
  if (f == MeshFormat::ThreeMfBeams) {
    // Nothing to mesh: the printer's software turns the beams into a solid.
    const auto t0 = std::chrono::steady_clock::now();
    res.lattice = make_beam_lattice(g, req.strut_mm);
    res.mesh_seconds = seconds_since(t0);
    res.report = lattice_report(res.lattice, printer_of(req));
  } else {
    mesh_graph(g, req, res, sink, cancel);
  }
  cancel.throw_if_stopped();

  if (!req.output.empty()) {
    sink.progress(0.97, "writing");
    const auto t0 = std::chrono::steady_clock::now();
    if (f == MeshFormat::ThreeMfBeams)
      write_3mf_beams(req.output, res.lattice);
    else
      write_mesh(req.output, res.mesh, f);
    res.write_seconds = seconds_since(t0);
    res.written = req.output;
  }
  sink.progress(1.0, "done");
  return res;
}

}  // namespace weft::web
