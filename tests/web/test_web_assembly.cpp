// Assembly of web units along paths (core/web/assembly.h): the expression language, the paths (helix radius,
// rise and angle; circle; the paper's attractor), unit centres on the curve, the node-count formula with an
// overlap known exactly, the paper's index rule (S + steps·(1 − stagger)·S), welding against brute force,
// bridging, determinism, request JSON, and bad inputs as weft::Error.
#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/cancel_token.h"
#include "common/error.h"
#include "common/progress_sink.h"
#include "common/rng.h"
#include "web/assembly.h"
#include "web/curves.h"
#include "web/expression.h"

using namespace weft::web;

namespace {

double eval(const char* text, double t = 0.0) { return Expression::parse(text).eval(t); }

// The error message of `f`, or "" when it does not throw weft::Error.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const weft::Error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A ladder of `columns` rungs one apart along x, rails at y = 0 and 1; edges point towards +x and +y. Its
// centroid is its middle column, so copies whose centres are (1 − stagger)·length apart share whole columns.
WebGraph ladder(int columns) {
  WebGraph g;
  for (int c = 0; c < columns; ++c) {
    g.nodes.push_back({double(c), 0, 0});
    g.nodes.push_back({double(c), 1, 0});
    g.edges.push_back({2 * c, 2 * c + 1});
    if (c > 0) {
      g.edges.push_back({2 * (c - 1), 2 * c});
      g.edges.push_back({2 * (c - 1) + 1, 2 * c + 1});
    }
  }
  return g;
}

Vec3 chunk_centroid(const WebGraph& g, std::size_t first, std::size_t count) {
  Vec3 c;
  for (std::size_t i = first; i < first + count; ++i)
    c = {c.x + g.nodes[i].x, c.y + g.nodes[i].y, c.z + g.nodes[i].z};
  return {c.x / count, c.y / count, c.z / count};
}

double dist(Vec3 a, Vec3 b) {
  return std::sqrt((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y) + (a.z - b.z) * (a.z - b.z));
}

AssemblyRequest helix_request(int steps) {
  AssemblyRequest r;
  r.path.kind = PathKind::Helix;
  r.path.steps = steps;
  r.seed = 7;
  return r;
}

}  // namespace

class TestWebAssembly : public QObject {
  Q_OBJECT
 private slots:
  void expression_values_and_precedence() {
    QCOMPARE(eval("2+3*4"), 14.0);
    QCOMPARE(eval("(2+3)*4"), 20.0);
    QCOMPARE(eval("2^3^2"), 512.0);  // right-associative
    QCOMPARE(eval("-t^2", 3), -9.0);  // unary minus binds looser than ^
    QCOMPARE(eval("2^-1"), 0.5);
    QCOMPARE(eval("10/4/5"), 0.5);  // left-associative
    QCOMPARE(eval("8 - 2 - 1"), 5.0);
    QCOMPARE(eval("1.5e2 + 2E-1"), 150.2);
    QCOMPARE(eval("sqrt(abs(-16))"), 4.0);
    QCOMPARE(eval("exp(log(5))", 0), std::exp(std::log(5.0)));
    QCOMPARE(eval("cos(pi)"), -1.0);
    QCOMPARE(eval("sin(t)*sin(t) + cos(t)^2", 0.7), std::sin(0.7) * std::sin(0.7) + std::pow(std::cos(0.7), 2));
    QCOMPARE(eval("tan(t)", 0.3), std::tan(0.3));
    QCOMPARE(eval(" e "), M_E);
    const auto xyz = parse_curve_expression("cos(t), sin(t), t/10");
    QCOMPARE(xyz.size(), std::size_t(3));
    QCOMPARE(xyz[2].eval(5), 0.5);
  }

  void expression_errors_say_where() {
    QVERIFY(contains(error_of([] { eval("2+"); }), "ended at column 3"));
    QVERIFY(contains(error_of([] { eval("cos(t"); }), "expected ')' to close cos( at column 6"));
    QVERIFY(contains(error_of([] { eval("sin t"); }), "expected '(' after sin"));
    QVERIFY(contains(error_of([] { eval("foo(t)"); }), "unknown name \"foo\" (use t, pi"));
    QVERIFY(contains(error_of([] { eval("1..2"); }), "\"1..2\" is not a number at column 1"));
    QVERIFY(contains(error_of([] { eval("t $ 2"); }), "unexpected '$' at column 3"));
    QVERIFY(contains(error_of([] { eval("(t))"); }), "unexpected ')' at column 4"));
    QVERIFY(contains(error_of([] { eval("  "); }), "empty"));
    QVERIFY(contains(error_of([] { eval("import os"); }), "unknown name \"import\""));
    // Columns count from the start of the whole "x, y, z" text.
    QVERIFY(contains(error_of([] { parse_curve_expression("t, t+*2, t"); }), "unexpected '*' at column 6"));
    QVERIFY(contains(error_of([] { parse_curve_expression("cos(t), sin(t)"); }), "three expressions"));
    QVERIFY(contains(error_of([] { parse_curve_expression("t,,t"); }), "empty at column 3"));
  }

  void helix_points_radius_rise_angle() {
    PathSpec p;  // paper defaults: r 20, rise 5, 10° per step, 80 steps
    const auto pts = path_points(p);
    QCOMPARE(pts.size(), std::size_t(81));  // the first unit + 80 steps, as make_spiral
    for (std::size_t k = 0; k < pts.size(); ++k) {
      QVERIFY(std::fabs(std::hypot(pts[k].x, pts[k].y) - 20.0) < 1e-9);
      QVERIFY(std::fabs(pts[k].z - 5.0 * k) < 1e-9);
      const double turn = std::remainder(std::atan2(pts[k].y, pts[k].x) - k * 10.0 * M_PI / 180.0, 2 * M_PI);
      QVERIFY(std::fabs(turn) < 1e-9);
    }
    // Frames: orthonormal, right-handed, tangent along the helix's analytic derivative.
    const auto frames = path_frames(pts, false);
    for (std::size_t k = 1; k + 1 < pts.size(); ++k) {
      const Frame& f = frames[k];
      const double a = k * 10.0 * M_PI / 180.0, w = 10.0 * M_PI / 180.0;
      // The central difference of a helix is parallel to its derivative (−r sin a, r cos a, rise/…) scaled.
      const Vec3 d{-20 * std::sin(a) * std::sin(w), 20 * std::cos(a) * std::sin(w), 5.0};
      const double nd = std::sqrt(d.x * d.x + d.y * d.y + d.z * d.z);
      QVERIFY(dist(f.tangent, Vec3{d.x / nd, d.y / nd, d.z / nd}) < 1e-9);
      const double dots = f.tangent.x * f.up.x + f.tangent.y * f.up.y + f.tangent.z * f.up.z;
      QVERIFY(std::fabs(dots) < 1e-12);
      QVERIFY(f.up.z > 0.5);  // the unit stays upright: no spin about the path
    }
  }

  void circle_and_attractor_and_expression_agree() {
    PathSpec c;
    c.kind = PathKind::Circle;
    c.radius = 7;
    c.steps = 12;
    const auto ring = path_points(c);
    QCOMPARE(ring.size(), std::size_t(12));
    for (const Vec3& p : ring) QVERIFY(std::fabs(std::hypot(p.x, p.y) - 7) < 1e-12 && p.z == 0.0);
    const auto frames = path_frames(ring, true);  // closed: the first tangent wraps round
    QVERIFY(std::fabs(frames[0].tangent.x) < 1e-12 && std::fabs(frames[0].tangent.y - 1) < 1e-12);

    PathSpec a;
    a.kind = PathKind::Attractor;
    a.steps = 200;  // t = 0, 0.05, ..., 10
    PathSpec e = a;
    e.kind = PathKind::Expr;
    e.expression = "10*(2 + cos(1.5*t))*cos(t), 10*(2+cos(1.5*t))*sin(t), 10*sin(1.5*t)";
    const auto pa = path_points(a), pe = path_points(e);
    QCOMPARE(pa.size(), std::size_t(201));
    QCOMPARE(pe.size(), pa.size());
    for (std::size_t k = 0; k < pa.size(); ++k) QVERIFY(dist(pa[k], pe[k]) < 1e-9);
    QVERIFY(dist(pa[0], Vec3{30, 0, 0}) < 1e-12);  // t = 0: (2 + 1)·10
  }

  void unit_centroids_follow_the_helix() {
    AssemblyRequest r = helix_request(12);
    r.weld_tolerance = 0;  // keep units apart so each one can be found again
    r.connect = false;
    weft::NullSink sink;
    weft::CancelToken cancel;
    const AssemblyResult res = assemble(r, sink, cancel);
    const std::size_t s = 32;
    QCOMPARE(res.graph.nodes.size(), 13 * s);  // units × nodes_per_unit without welding
    QCOMPARE(res.stats.welded, 0);
    for (std::size_t k = 0; k < 13; ++k) {
      const Vec3 c = chunk_centroid(res.graph, k * s, s);
      QVERIFY(dist(c, res.centres[k]) < 1e-9);
      QVERIFY(std::fabs(std::hypot(c.x, c.y) - 20) < 1e-9 && std::fabs(c.z - 5.0 * k) < 1e-9);
    }
    // Consecutive units overlap by the stagger (unit scale chosen for it).
    QVERIFY(std::fabs(res.stats.overlap - 0.5) < 1e-12);
  }

  void tangent_orientation_maps_unit_axes() {
    WebGraph unit = ladder(3);
    Frame f;
    f.tangent = {0, 1, 0};
    f.side = {-1, 0, 0};
    f.up = {0, 0, 1};
    const WebGraph placed = place_unit(unit, {5, 5, 5}, f, 2.0, Orientation::Tangent);
    // Ladder node 4 is (2, 0) → centred (1, −0.5) → ×2 → x along +y, y along −x.
    QVERIFY(dist(placed.nodes[4], Vec3{5 + 1.0, 5 + 2.0, 5}) < 1e-12);
    const WebGraph fixed = place_unit(unit, {5, 5, 5}, f, 2.0, Orientation::Fixed);
    QVERIFY(dist(fixed.nodes[4], Vec3{5 + 2.0, 5 - 1.0, 5}) < 1e-12);
  }

  void node_count_formula_with_exact_overlap() {
    // Ladders of 5 columns, centres one apart along x, stagger 0.5: each ladder is scaled to length 2, its
    // columns half a unit apart, so every column of the chain lands exactly on columns of its neighbours.
    for (int units : {1, 2, 3, 7}) {
      AssemblyRequest r;
      r.path.kind = PathKind::Expr;
      r.path.expression = "t, 0, 0";
      r.path.t0 = 0;
      r.path.t1 = std::max(1, units - 1);
      r.path.steps = std::max(1, units - 1);
      if (units == 1) r.path = PathSpec{PathKind::Points, 20, 5, 10, 1, 0, 1, 1, "", {{0, 0, 0}}};
      weft::NullSink sink;
      weft::CancelToken cancel;
      AssemblyRequest apart = r;
      apart.weld_tolerance = 0;
      apart.connect = false;
      const auto loose = assemble(apart, ladder(5), sink, cancel);
      QCOMPARE(int(loose.graph.nodes.size()), units * 10);  // no welding: units × nodes per unit
      const auto res = assemble(r, ladder(5), sink, cancel);
      const AssemblyStats& s = res.stats;
      QCOMPARE(s.units, units);
      QCOMPARE(s.nodes_before_weld, units * 10);
      const int columns = units == 1 ? 5 : 2 * units + 3;  // from −1 to units, half a unit apart
      QCOMPARE(s.nodes_after_weld, 2 * columns);
      QCOMPARE(s.nodes_after_weld, units * 10 - s.welded);  // the formula
      QCOMPARE(int(res.graph.nodes.size()), 2 * columns);
      QCOMPARE(int(res.graph.edges.size()), 2 * (columns - 1) + columns);  // rails + rungs, duplicates dropped
      QCOMPARE(s.self_loops_dropped, 0);
      QCOMPARE(s.components_before_bridging, 1);
      QCOMPARE(s.bridges, 0);
      QVERIFY(is_connected(res.graph));
      QCOMPARE(s.max_degree, 3);
    }
  }

  void index_rule_matches_the_paper_count() {
    // The official rule: S + steps·(1 − stagger)·S = 32 + 80·16 = 1312 (reference §7 check 4).
    AssemblyRequest r = helix_request(80);
    r.weld_mode = WeldMode::Index;
    weft::NullSink sink;
    weft::CancelToken cancel;
    const auto res = assemble(r, sink, cancel);
    QCOMPARE(res.stats.nodes_after_weld, 1312);
    QCOMPARE(res.stats.welded, 81 * 32 - 1312);
    QVERIFY(is_connected(res.graph));
    QCOMPARE(res.stats.bridges, 0);
  }

  void grid_weld_equals_brute_force() {
    weft::Rng rng(11);
    std::vector<WebGraph> parts(6);
    for (auto& p : parts)
      for (int i = 0; i < 60; ++i) p.nodes.push_back({rng.uniform(0, 5), rng.uniform(0, 5), rng.uniform(-1, 1)});
    const double tol = 0.35;
    AssemblyStats st;
    const WebGraph w = weld(parts, tol, st);
    // Brute force: union every cross-part pair within tol.
    std::vector<Vec3> all;
    std::vector<int> part;
    for (std::size_t k = 0; k < parts.size(); ++k)
      for (const Vec3& p : parts[k].nodes) all.push_back(p), part.push_back(int(k));
    std::vector<int> parent(all.size());
    std::iota(parent.begin(), parent.end(), 0);
    auto find = [&](int i) {
      while (parent[i] != i) i = parent[i];
      return i;
    };
    for (std::size_t i = 0; i < all.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (part[i] != part[j] && dist(all[i], all[j]) <= tol) parent[find(int(i))] = find(int(j));
    int clusters = 0;
    for (std::size_t i = 0; i < all.size(); ++i) clusters += find(int(i)) == int(i);
    QVERIFY(st.welded > 0);
    QCOMPARE(int(w.nodes.size()), clusters);
    QCOMPARE(st.nodes_after_weld + st.welded, 360);
  }

  void bridges_join_nearest_nodes() {
    WebGraph g;
    g.nodes = {{0, 0, 0}, {1, 0, 0}, {10, 0, 0}, {11, 0, 0}, {1, 4, 0}};
    g.edges = {{0, 1}, {2, 3}};
    QCOMPARE(count_components(g), 3);
    double longest = 0;
    QCOMPARE(connect_components(g, &longest), 2);
    QVERIFY(is_connected(g));
    QCOMPARE(g.edges[2], (Edge{4, 1}));  // (1,4) is 4 from node 1, nearer than node 2 is (9)
    QCOMPARE(g.edges[3], (Edge{2, 1}));
    QCOMPARE(longest, 9.0);
  }

  void geometric_helix_is_connected_and_deterministic() {
    AssemblyRequest r = helix_request(40);
    weft::NullSink sink;
    weft::CancelToken cancel;
    const auto a = assemble(r, sink, cancel), b = assemble(r, sink, cancel);
    QVERIFY(is_connected(a.graph));
    QCOMPARE(a.stats.components, 1);
    QVERIFY(a.stats.welded > 0);  // overlapping units share nodes
    QCOMPARE(a.stats.nodes_after_weld, 41 * 32 - a.stats.welded);
    QCOMPARE(a.graph.edges, b.graph.edges);
    QCOMPARE(a.graph.nodes.size(), b.graph.nodes.size());
    for (std::size_t i = 0; i < a.graph.nodes.size(); ++i) QVERIFY(dist(a.graph.nodes[i], b.graph.nodes[i]) == 0.0);
    QVERIFY(contains(a.report(), "41 units along the helix path"));
    const auto j = a.to_json();
    QCOMPARE(j["assembly"]["nodes"].get<int>(), a.stats.nodes_after_weld);
    QCOMPARE(j["weft"]["request"]["path"]["steps"].get<int>(), 40);
    // Varying units per placement (the paper's generate_new_every_iteration) also stays connected.
    r.unit.vary = true;
    const auto v = assemble(r, sink, cancel);
    QVERIFY(is_connected(v.graph));
  }

  void request_json_round_trip() {
    AssemblyRequest r = helix_request(9);
    r.path.kind = PathKind::Points;
    r.path.points = {{1, 2, 3}, {4, 5, 6.5}};
    r.orientation = Orientation::Fixed;
    r.stagger = 0.25;
    r.weld_mode = WeldMode::Index;
    r.weld_tolerance = 0.125;
    r.unit.params.family = WebFamily::Tangle;
    r.unit.nodes = 20;
    r.seed = 18446744073709551615ull;
    const auto j = r.to_json();
    QCOMPARE(AssemblyRequest::from_json(j).to_json(), j);
    QCOMPARE(AssemblyRequest::from_json(nlohmann::json::object()).to_json(), AssemblyRequest{}.to_json());
  }

  void bad_requests_are_errors() {
    weft::NullSink sink;
    weft::CancelToken cancel;
    AssemblyRequest r = helix_request(0);
    QVERIFY(contains(error_of([&] { assemble(r, sink, cancel); }), "steps must be at least 1"));
    QVERIFY(contains(error_of([] { AssemblyRequest::from_json({{"path", {{"kind", "spiral"}}}}); }),
                     "unknown path kind \"spiral\""));
    r = helix_request(3);
    r.stagger = 1.0;
    QVERIFY(contains(error_of([&] { assemble(r, sink, cancel); }), "stagger must be between 0 and 0.95"));
    r = helix_request(3);
    r.path.kind = PathKind::Expr;
    r.path.expression = "cos(t), sin(t, t";
    QVERIFY(contains(error_of([&] { assemble(r, sink, cancel); }), "three expressions"));
    r.path.expression = "cos(t), sin(t)+, t";
    QVERIFY(contains(error_of([&] { assemble(r, sink, cancel); }), "text ended at column 16"));
    r.path.expression = "t, log(t), 0";  // log(0) at t = 0
    QVERIFY(contains(error_of([&] { assemble(r, sink, cancel); }), "not finite at t = 0"));
    r = helix_request(3);
    r.path.kind = PathKind::Points;
    QVERIFY(contains(error_of([&] { assemble(r, sink, cancel); }), "point list is empty"));
    r = helix_request(3);
    r.unit.file = "/nonexistent/unit.json";
    QVERIFY(!error_of([&] { assemble(r, sink, cancel); }).empty());
  }

  void points_files() {
    const auto csv = parse_points_text("x,y,z\n0,0,0\n\n# comment\n1;2;3\n4 5 6\n", "p.csv", false);
    QCOMPARE(csv.size(), std::size_t(3));
    QCOMPARE(csv[2].z, 6.0);
    const auto js = parse_points_text("{\"points\": [[1,2,3],[4,5,6]]}", "p.json", true);
    QCOMPARE(js.size(), std::size_t(2));
    QVERIFY(contains(error_of([] { parse_points_text("0,0,0\nhello,1,2\n", "p.csv", false); }),
                     "line 2, column 1: \"hello\" is not a number"));
    QVERIFY(contains(error_of([] { parse_points_text("0,0\n", "p.csv", false); }), "expected three numbers"));
    QVERIFY(contains(error_of([] { parse_points_text("just some text\n", "p.csv", false); }), "line 1"));
    QVERIFY(contains(error_of([] { parse_points_text("[[1,2]]", "p.json", true); }), "points[0]"));
    QVERIFY(contains(error_of([] { parse_points_text("", "p.csv", false); }), "no points"));
  }

  void cancel_stops_between_units() {
    weft::NullSink sink;
    weft::CancelToken cancel;
    cancel.request(weft::CancelToken::Mode::Now);
    bool cancelled = false;
    try {
      assemble(helix_request(5), sink, cancel);
    } catch (const weft::Cancelled&) {
      cancelled = true;
    }
    QVERIFY(cancelled);
  }
};

QTEST_GUILESS_MAIN(TestWebAssembly)
#include "test_web_assembly.moc"
