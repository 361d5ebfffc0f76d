#include "web/assembly.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "common/cancel_token.h"
#include "common/error.h"
#include "common/json_io.h"
#include "common/progress_sink.h"
#include "common/rng.h"
#include "web/graph_files.h"

namespace weft::web {

namespace {

using nlohmann::json;

double dist2(Vec3 a, Vec3 b) {
  const double dx = a.x - b.x, dy = a.y - b.y, dz = a.z - b.z;
  return dx * dx + dy * dy + dz * dz;
}

Vec3 centroid(const WebGraph& g) {
  Vec3 c;
  for (const Vec3& p : g.nodes) c = {c.x + p.x, c.y + p.y, c.z + p.z};
  const double n = static_cast<double>(std::max<std::size_t>(1, g.nodes.size()));
  return {c.x / n, c.y / n, c.z / n};
}

// The unit's length along its own x axis (the axis that follows the path); other axes if it is flat in x.
double unit_length(const WebGraph& g) {
  double lo[3] = {1e300, 1e300, 1e300}, hi[3] = {-1e300, -1e300, -1e300};
  for (const Vec3& p : g.nodes) {
    const double v[3] = {p.x, p.y, p.z};
    for (int a = 0; a < 3; ++a) lo[a] = std::min(lo[a], v[a]), hi[a] = std::max(hi[a], v[a]);
  }
  for (int a = 0; a < 3; ++a)
    if (hi[a] - lo[a] > 1e-12) return hi[a] - lo[a];
  return 0.0;
}

double median_edge(const WebGraph& g) {
  std::vector<double> len;
  for (const Edge& e : g.edges) len.push_back(std::sqrt(dist2(g.nodes[static_cast<std::size_t>(e.source)],
                                                              g.nodes[static_cast<std::size_t>(e.target)])));
  if (len.empty()) return 0.0;
  std::nth_element(len.begin(), len.begin() + static_cast<long>(len.size() / 2), len.end());
  return len[len.size() / 2];
}

// Drops self-loops and repeated directed entries, keeping the first occurrence's order.
void dedupe_edges(WebGraph& g, AssemblyStats& s) {
  std::unordered_set<std::uint64_t> seen;
  std::vector<Edge> kept;
  for (const Edge& e : g.edges) {
    if (e.source == e.target) {
      ++s.self_loops_dropped;
      continue;
    }
    const std::uint64_t key = (static_cast<std::uint64_t>(e.source) << 32) | static_cast<std::uint32_t>(e.target);
    if (!seen.insert(key).second) {
      ++s.duplicate_edges_dropped;
      continue;
    }
    kept.push_back(e);
  }
  g.edges = std::move(kept);
}

struct CellHash {
  std::size_t operator()(const std::array<std::int64_t, 3>& c) const {
    std::uint64_t h = 1469598103934665603ull;
    for (std::int64_t v : c) h = (h ^ static_cast<std::uint64_t>(v)) * 1099511628211ull;
    return static_cast<std::size_t>(h);
  }
};

int find_root(std::vector<int>& parent, int i) {
  while (parent[static_cast<std::size_t>(i)] != i) {
    parent[static_cast<std::size_t>(i)] = parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(i)])];
    i = parent[static_cast<std::size_t>(i)];
  }
  return i;
}

// Nodes of each undirected component, components ordered by their lowest node (node 0's first).
std::vector<std::vector<int>> component_members(const WebGraph& g) {
  const auto adj = undirected_adjacency(g);
  std::vector<int> comp(g.nodes.size(), -1);
  std::vector<std::vector<int>> members;
  for (std::size_t s = 0; s < g.nodes.size(); ++s) {
    if (comp[s] >= 0) continue;
    std::vector<int> m{static_cast<int>(s)};
    comp[s] = static_cast<int>(members.size());
    for (std::size_t q = 0; q < m.size(); ++q)
      for (int v : adj[static_cast<std::size_t>(m[q])])
        if (comp[static_cast<std::size_t>(v)] < 0) comp[static_cast<std::size_t>(v)] = comp[s], m.push_back(v);
    members.push_back(std::move(m));
  }
  return members;
}

const char* family_key(WebFamily f) { return family_name(f); }
WebFamily family_from(const std::string& s) {
  for (WebFamily f : {WebFamily::Orb, WebFamily::Sheet, WebFamily::Tangle})
    if (s == family_name(f)) return f;
  throw Error("unknown web family \"" + s + "\" (use orb, sheet or tangle)", "assembly request");
}

}  // namespace

// ---------------------------------------------------------------------------------------------- request

json AssemblyRequest::to_json() const {
  json pts = json::array();
  for (const Vec3& p : path.points) pts.push_back({p.x, p.y, p.z});
  return json{
      {"unit",
       {{"file", unit.file}, {"family", family_key(unit.params.family)}, {"density", unit.params.density},
        {"edge_length", unit.params.edge_length}, {"anisotropy", unit.params.anisotropy},
        {"relief", unit.params.relief}, {"nodes", unit.nodes}, {"vary", unit.vary}}},
      {"path",
       {{"kind", path_kind_name(path.kind)}, {"radius", path.radius}, {"rise", path.rise},
        {"angle_deg", path.angle_deg}, {"steps", path.steps}, {"t0", path.t0}, {"t1", path.t1},
        {"scale", path.scale}, {"expression", path.expression}, {"points", pts}}},
      {"orientation", orientation == Orientation::Tangent ? "tangent" : "fixed"},
      {"unit_scale", unit_scale},
      {"stagger", stagger},
      {"weld_mode", weld_mode == WeldMode::Geometric ? "geometric" : "index"},
      {"weld_tolerance", weld_tolerance},
      {"connect", connect},
      {"seed", seed}};
}

AssemblyRequest AssemblyRequest::from_json(const json& j) {
  const char* where = "assembly request";
  AssemblyRequest r;
  if (!j.is_object()) throw Error("expected a JSON object", where);
  const json u = j.value("unit", json::object()), p = j.value("path", json::object());
  r.unit.file = json_get<std::string>(u, "file", r.unit.file, where);
  r.unit.params.family = family_from(json_get<std::string>(u, "family", family_name(r.unit.params.family), where));
  r.unit.params.density = json_get<double>(u, "density", r.unit.params.density, where);
  r.unit.params.edge_length = json_get<double>(u, "edge_length", r.unit.params.edge_length, where);
  r.unit.params.anisotropy = json_get<double>(u, "anisotropy", r.unit.params.anisotropy, where);
  r.unit.params.relief = json_get<double>(u, "relief", r.unit.params.relief, where);
  r.unit.nodes = json_get<int>(u, "nodes", r.unit.nodes, where);
  r.unit.vary = json_get<bool>(u, "vary", r.unit.vary, where);
  r.path.kind = path_kind_from_name(json_get<std::string>(p, "kind", "helix", where), where);
  r.path.radius = json_get<double>(p, "radius", r.path.radius, where);
  r.path.rise = json_get<double>(p, "rise", r.path.rise, where);
  r.path.angle_deg = json_get<double>(p, "angle_deg", r.path.angle_deg, where);
  r.path.steps = json_get<int>(p, "steps", r.path.steps, where);
  r.path.t0 = json_get<double>(p, "t0", r.path.t0, where);
  r.path.t1 = json_get<double>(p, "t1", r.path.t1, where);
  r.path.scale = json_get<double>(p, "scale", r.path.scale, where);
  r.path.expression = json_get<std::string>(p, "expression", r.path.expression, where);
  for (const auto& q : json_get<std::vector<std::array<double, 3>>>(p, "points", {}, where))
    r.path.points.push_back({q[0], q[1], q[2]});
  const std::string orient = json_get<std::string>(j, "orientation", "tangent", where);
  if (orient != "tangent" && orient != "fixed")
    throw Error("orientation must be \"tangent\" or \"fixed\", not \"" + orient + "\"", where);
  r.orientation = orient == "tangent" ? Orientation::Tangent : Orientation::Fixed;
  r.unit_scale = json_get<double>(j, "unit_scale", r.unit_scale, where);
  r.stagger = json_get<double>(j, "stagger", r.stagger, where);
  const std::string mode = json_get<std::string>(j, "weld_mode", "geometric", where);
  if (mode != "geometric" && mode != "index")
    throw Error("weld_mode must be \"geometric\" or \"index\", not \"" + mode + "\"", where);
  r.weld_mode = mode == "geometric" ? WeldMode::Geometric : WeldMode::Index;
  r.weld_tolerance = json_get<double>(j, "weld_tolerance", r.weld_tolerance, where);
  r.connect = json_get<bool>(j, "connect", r.connect, where);
  r.seed = json_get<std::uint64_t>(j, "seed", r.seed, where);
  return r;
}

void AssemblyRequest::validate() const {
  const char* where = "assembly";
  web::validate(path);
  if (!std::isfinite(stagger) || stagger < 0.0 || stagger > 0.95)
    throw Error("stagger must be between 0 and 0.95 (got " + std::to_string(stagger) + ")", where);
  if (!std::isfinite(unit_scale) || unit_scale < 0.0)
    throw Error("unit scale must be > 0, or 0 to choose it from the stagger", where);
  if (!std::isfinite(weld_tolerance)) throw Error("weld tolerance is not a finite number", where);
  if (unit.file.empty() && (unit.nodes < 2 || unit.nodes > 4096))
    throw Error("a generated unit needs 2..4096 nodes (got " + std::to_string(unit.nodes) + ")", where);
  if (unit.vary && !unit.file.empty())
    throw Error("a new unit per placement needs a generated unit, not a file", where);
}

// ---------------------------------------------------------------------------------------------- pieces

WebGraph load_unit(const UnitSource& src, std::uint64_t seed) {
  if (!src.file.empty()) return read_graph_file(src.file);
  const WebGraph web = generate_web(src.params, seed);
  Rng pick(Rng::derive(seed, 1));
  const int start = static_cast<int>(pick.below(web.nodes.size()));
  return bfs_sample(web, start, std::min(src.nodes, static_cast<int>(web.nodes.size())));
}

WebGraph place_unit(const WebGraph& unit, Vec3 centre, const Frame& f, double scale, Orientation o) {
  const Vec3 c = centroid(unit);
  WebGraph g = unit;
  for (Vec3& p : g.nodes) {
    const double x = (p.x - c.x) * scale, y = (p.y - c.y) * scale, z = (p.z - c.z) * scale;
    if (o == Orientation::Fixed)
      p = {centre.x + x, centre.y + y, centre.z + z};
    else
      p = {centre.x + x * f.tangent.x + y * f.side.x + z * f.up.x,
           centre.y + x * f.tangent.y + y * f.side.y + z * f.up.y,
           centre.z + x * f.tangent.z + y * f.side.z + z * f.up.z};
  }
  return g;
}

WebGraph weld(const std::vector<WebGraph>& parts, double tol, AssemblyStats& s) {
  std::vector<Vec3> pos;
  std::vector<int> part_of;
  WebGraph all;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const int base = static_cast<int>(all.nodes.size());
    for (const Vec3& p : parts[k].nodes) all.nodes.push_back(p), part_of.push_back(static_cast<int>(k));
    for (const Edge& e : parts[k].edges) all.edges.push_back({e.source + base, e.target + base});
  }
  const int n = static_cast<int>(all.nodes.size());
  s.nodes_before_weld = n;
  s.edges_before_weld = static_cast<int>(all.edges.size());
  std::vector<int> parent(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) parent[static_cast<std::size_t>(i)] = i;
  if (tol > 0.0) {
    // Cells of side `tol`: any pair within tol lies in the same or an adjacent cell.
    std::unordered_map<std::array<std::int64_t, 3>, std::vector<int>, CellHash> grid;
    const double t2 = tol * tol;
    for (int i = 0; i < n; ++i) {
      const Vec3& p = all.nodes[static_cast<std::size_t>(i)];
      const std::array<std::int64_t, 3> cell{static_cast<std::int64_t>(std::floor(p.x / tol)),
                                             static_cast<std::int64_t>(std::floor(p.y / tol)),
                                             static_cast<std::int64_t>(std::floor(p.z / tol))};
      for (std::int64_t dx = -1; dx <= 1; ++dx)
        for (std::int64_t dy = -1; dy <= 1; ++dy)
          for (std::int64_t dz = -1; dz <= 1; ++dz) {
            auto it = grid.find({cell[0] + dx, cell[1] + dy, cell[2] + dz});
            if (it == grid.end()) continue;
            for (int j : it->second) {
              if (part_of[static_cast<std::size_t>(j)] == part_of[static_cast<std::size_t>(i)]) continue;
              if (dist2(p, all.nodes[static_cast<std::size_t>(j)]) > t2) continue;
              const int a = find_root(parent, i), b = find_root(parent, j);
              if (a != b) parent[static_cast<std::size_t>(std::max(a, b))] = std::min(a, b);  // root = lowest index
            }
          }
      grid[cell].push_back(i);
    }
  }
  // Number clusters by their lowest member; place each at its members' mean.
  std::vector<int> id(static_cast<std::size_t>(n), -1), count;
  WebGraph out;
  for (int i = 0; i < n; ++i) {
    const int r = find_root(parent, i);
    if (id[static_cast<std::size_t>(r)] < 0) {
      id[static_cast<std::size_t>(r)] = static_cast<int>(out.nodes.size());
      out.nodes.push_back({0, 0, 0});
      count.push_back(0);
    }
    const int k = id[static_cast<std::size_t>(r)];
    id[static_cast<std::size_t>(i)] = k;
    Vec3& q = out.nodes[static_cast<std::size_t>(k)];
    const Vec3& p = all.nodes[static_cast<std::size_t>(i)];
    q = {q.x + p.x, q.y + p.y, q.z + p.z};
    ++count[static_cast<std::size_t>(k)];
  }
  for (std::size_t k = 0; k < out.nodes.size(); ++k) {
    const double c = count[k];
    out.nodes[k] = {out.nodes[k].x / c, out.nodes[k].y / c, out.nodes[k].z / c};
  }
  for (const Edge& e : all.edges)
    out.edges.push_back({id[static_cast<std::size_t>(e.source)], id[static_cast<std::size_t>(e.target)]});
  dedupe_edges(out, s);
  s.nodes_after_weld = static_cast<int>(out.nodes.size());
  s.welded = s.nodes_before_weld - s.nodes_after_weld;
  return out;
}

WebGraph weld_by_index(const std::vector<WebGraph>& parts, double stagger, AssemblyStats& s) {
  WebGraph out;
  s.nodes_before_weld = 0;
  s.edges_before_weld = 0;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const WebGraph& u = parts[k];
    const int size = static_cast<int>(u.nodes.size());
    const int len = static_cast<int>(out.nodes.size());
    // The notebooks stack at int(len − stagger·S): an overlap of ⌈stagger·S⌉ nodes.
    const int overlap = k == 0 ? 0 : std::min({static_cast<int>(std::ceil(stagger * size - 1e-9)), size, len});
    const int base = len - overlap;
    for (int i = 0; i < size; ++i) {
      if (base + i < len)  // identified with an old node, which takes the new unit's position (as the paper)
        out.nodes[static_cast<std::size_t>(base + i)] = u.nodes[static_cast<std::size_t>(i)];
      else
        out.nodes.push_back(u.nodes[static_cast<std::size_t>(i)]);
    }
    for (const Edge& e : u.edges) out.edges.push_back({e.source + base, e.target + base});
    s.nodes_before_weld += size;
    s.edges_before_weld += static_cast<int>(u.edges.size());
  }
  dedupe_edges(out, s);
  s.nodes_after_weld = static_cast<int>(out.nodes.size());
  s.welded = s.nodes_before_weld - s.nodes_after_weld;
  return out;
}

int count_components(const WebGraph& g) {
  int c = 0;
  for (const auto& m : component_members(g)) c += m.empty() ? 0 : 1;
  return c;
}

int connect_components(WebGraph& g, double* longest, const CancelToken* cancel) {
  if (longest) *longest = 0.0;
  const auto members = component_members(g);
  if (members.size() <= 1) return 0;
  // Prim over nodes where a whole component joins the tree at once: best[v] is v's distance to the tree, so
  // each bridge is the shortest edge from the tree to anything outside it (the MST of the components).
  const std::size_t n = g.nodes.size();
  std::vector<std::size_t> comp(n);
  for (std::size_t c = 0; c < members.size(); ++c)
    for (int v : members[c]) comp[static_cast<std::size_t>(v)] = c;
  std::vector<char> in_tree(n, 0);
  std::vector<double> best(n, std::numeric_limits<double>::infinity());
  std::vector<int> from(n, -1);
  auto add_component = [&](std::size_t c) {
    if (cancel) cancel->throw_if_stopped();  // O(n) per node added: many loose units take a while
    for (int u : members[c]) in_tree[static_cast<std::size_t>(u)] = 1;
    for (int u : members[c]) {
      const Vec3 p = g.nodes[static_cast<std::size_t>(u)];
      for (std::size_t v = 0; v < n; ++v) {
        if (in_tree[v]) continue;
        const double d = dist2(p, g.nodes[v]);
        if (d < best[v]) best[v] = d, from[v] = u;
      }
    }
  };
  add_component(0);
  int bridges = 0;
  for (std::size_t joined = 1; joined < members.size(); ++joined) {
    std::size_t pick = n;
    for (std::size_t v = 0; v < n; ++v)
      if (!in_tree[v] && (pick == n || best[v] < best[pick])) pick = v;  // ties: lowest index
    g.edges.push_back({static_cast<int>(pick), from[pick]});  // the joining node lists the tree node
    if (longest) *longest = std::max(*longest, std::sqrt(best[pick]));
    ++bridges;
    add_component(comp[pick]);
  }
  return bridges;
}

// ---------------------------------------------------------------------------------------------- the job

AssemblyResult assemble(const AssemblyRequest& req, ProgressSink& sink, const CancelToken& cancel) {
  req.validate();
  sink.progress(0.0, "loading the unit");
  return assemble(req, load_unit(req.unit, req.seed), sink, cancel);
}

AssemblyResult assemble(const AssemblyRequest& req, const WebGraph& first_unit, ProgressSink& sink,
                        const CancelToken& cancel) {
  req.validate();
  validate(first_unit, "assembly unit");
  if (first_unit.nodes.empty()) throw Error("the unit has no nodes", "assembly unit");
  AssemblyResult r;
  r.request = req;
  AssemblyStats& s = r.stats;
  r.centres = path_points(req.path);
  const std::size_t units = r.centres.size();
  const bool closed = req.path.kind == PathKind::Circle;
  if (units * first_unit.nodes.size() > 5'000'000)
    throw Error(std::to_string(units) + " units of " + std::to_string(first_unit.nodes.size()) +
                    " nodes is too large (more than 5 million nodes before welding)",
                "assembly");
  const auto frames = path_frames(r.centres, closed);
  s.units = static_cast<int>(units);

  double travelled = 0.0;
  for (std::size_t k = 1; k < units; ++k) travelled += std::sqrt(dist2(r.centres[k - 1], r.centres[k]));
  if (closed && units > 1) travelled += std::sqrt(dist2(r.centres.back(), r.centres.front()));
  const std::size_t gaps = closed ? units : units - 1;
  s.spacing = gaps > 0 ? travelled / static_cast<double>(gaps) : 0.0;
  const double length = unit_length(first_unit);
  // Overlap by `stagger`: consecutive centres are (1 − stagger) of a scaled unit's length apart.
  s.unit_scale = req.unit_scale > 0.0                  ? req.unit_scale
                 : (length > 0.0 && s.spacing > 0.0) ? s.spacing / ((1.0 - req.stagger) * length)
                                                       : 1.0;
  s.overlap = length > 0.0 ? 1.0 - s.spacing / (s.unit_scale * length) : 0.0;

  std::vector<WebGraph> placed;
  placed.reserve(units);
  for (std::size_t k = 0; k < units; ++k) {
    cancel.throw_if_stopped();
    sink.progress(0.8 * static_cast<double>(k) / static_cast<double>(units),
                  "unit " + std::to_string(k + 1) + "/" + std::to_string(units));
    const WebGraph varied = req.unit.vary && k > 0 ? load_unit(req.unit, Rng::derive(req.seed, k)) : WebGraph{};
    placed.push_back(place_unit(req.unit.vary && k > 0 ? varied : first_unit, r.centres[k], frames[k],
                                s.unit_scale, req.orientation));
  }
  cancel.throw_if_stopped();
  sink.progress(0.8, "welding");
  if (req.weld_mode == WeldMode::Index) {
    r.graph = weld_by_index(placed, req.stagger, s);
  } else {
    s.weld_tolerance = req.weld_tolerance >= 0.0 ? req.weld_tolerance : 0.5 * median_edge(placed.front());
    r.graph = weld(placed, s.weld_tolerance, s);
  }
  s.components_before_bridging = count_components(r.graph);
  cancel.throw_if_stopped();
  if (req.connect) {
    sink.progress(0.9, "connecting");
    s.bridges = connect_components(r.graph, &s.longest_bridge, &cancel);
  }
  s.components = req.connect ? 1 : s.components_before_bridging;
  for (int d : undirected_degrees(r.graph)) {
    s.max_degree = std::max(s.max_degree, d);
    if (d > 5) ++s.nodes_over_degree_cap;
  }
  validate(r.graph, "assembly result");
  sink.progress(1.0, "done");
  return r;
}

// ---------------------------------------------------------------------------------------------- output

json AssemblyResult::to_json() const {
  json nodes = json::array(), edges = json::array();
  for (const Vec3& p : graph.nodes) nodes.push_back({p.x, p.y, p.z});
  for (const Edge& e : graph.edges) edges.push_back({e.source, e.target});
  const AssemblyStats& s = stats;
  json st = {{"units", s.units},
             {"nodes_before_weld", s.nodes_before_weld},
             {"nodes", s.nodes_after_weld},
             {"welded", s.welded},
             {"edges_before_weld", s.edges_before_weld},
             {"edges", graph.edges.size()},
             {"self_loops_dropped", s.self_loops_dropped},
             {"duplicate_edges_dropped", s.duplicate_edges_dropped},
             {"components_before_bridging", s.components_before_bridging},
             {"bridges", s.bridges},
             {"longest_bridge", s.longest_bridge},
             {"components", s.components},
             {"max_degree", s.max_degree},
             {"nodes_over_degree_cap", s.nodes_over_degree_cap},
             {"unit_scale", s.unit_scale},
             {"spacing", s.spacing},
             {"overlap", s.overlap},
             {"weld_tolerance", s.weld_tolerance}};
  // Same block as common/json_io.h's result_metadata (not linked here: weft_web stays free of weft_core).
  return json{{"nodes", nodes}, {"edges", edges}, {"assembly", st},
              {"weft", {{"job", "web assemble"}, {"request", request.to_json()}}}};
}

std::string AssemblyResult::report() const {
  const AssemblyStats& s = stats;
  std::ostringstream o;
  o << s.units << " units along the " << path_kind_name(request.path.kind) << " path, unit scale "
    << s.unit_scale << ", spacing " << s.spacing << ", overlap " << s.overlap << "\n";
  o << "nodes " << s.nodes_before_weld << " -> " << s.nodes_after_weld << " (" << s.welded << " welded";
  if (request.weld_mode == WeldMode::Geometric) o << ", tolerance " << s.weld_tolerance;
  else o << ", by index as in the paper";
  o << "), edges " << s.edges_before_weld << " -> " << graph.edges.size() << " (" << s.duplicate_edges_dropped
    << " duplicates, " << s.self_loops_dropped << " self-loops dropped)\n";
  o << "components " << s.components_before_bridging << " -> " << s.components << " (" << s.bridges
    << " bridges, longest " << s.longest_bridge << "), max degree " << s.max_degree;
  if (s.nodes_over_degree_cap > 0) o << " (" << s.nodes_over_degree_cap << " nodes above the paper's cap of 5)";
  o << "\n";
  return o.str();
}

}  // namespace weft::web
