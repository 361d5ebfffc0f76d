// The synthetic web generator: same seed → identical webs; every family gives connected webs with at most 5
// distinct neighbours per node; the knobs do what they say; BFS samples are 8–64 connected nodes that fit the
// row format; and the report counts everything.
#include <QtTest/QtTest>

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "web/paper_dataset.h"
#include "web/web_generator.h"
#include "web/web_properties.h"
#include "web/web_report.h"
#include "common/rng.h"

using namespace weft::web;

namespace {

bool same_graph(const WebGraph& a, const WebGraph& b) {
  if (a.nodes.size() != b.nodes.size() || !(a.edges == b.edges)) return false;
  for (std::size_t i = 0; i < a.nodes.size(); ++i)
    if (a.nodes[i].x != b.nodes[i].x || a.nodes[i].y != b.nodes[i].y || a.nodes[i].z != b.nodes[i].z) return false;
  return true;
}

void check_valid(const WebGraph& g, const char* what) {
  validate(g, what);
  QVERIFY2(is_connected(g), what);
  const auto d = undirected_degrees(g);
  QVERIFY2(*std::max_element(d.begin(), d.end()) <= 5, what);
}

double extent(const WebGraph& g, double Vec3::*axis) {
  double lo = 1e300, hi = -1e300;
  for (const Vec3& p : g.nodes) {
    lo = std::min(lo, p.*axis);
    hi = std::max(hi, p.*axis);
  }
  return hi - lo;
}

}  // namespace

class TestWebGenerator : public QObject {
  Q_OBJECT
 private slots:
  void rng_matches_splitmix64() {
    // Published splitmix64 outputs for seed 0: the stream weft::Rng produces too.
    weft::Rng r(0);
    QCOMPARE(r.next_u64(), 0xE220A8397B1DCDAFull);
    QCOMPARE(r.next_u64(), 0x6E789E6AA1B965F4ull);
    QCOMPARE(r.next_u64(), 0x06C45D188009454Full);
  }

  void families_are_valid_and_deterministic() {
    for (WebFamily f : {WebFamily::Orb, WebFamily::Sheet, WebFamily::Tangle})
      for (std::uint64_t seed : {1ull, 2ull, 77ull})
        for (double density : {0.25, 1.0, 3.0}) {
          WebParams p;
          p.family = f;
          p.density = density;
          p.anisotropy = 0.3;
          const WebGraph a = generate_web(p, seed);
          check_valid(a, family_name(f));
          QVERIFY(a.nodes.size() >= 16);
          QVERIFY(same_graph(a, generate_web(p, seed)));
          QVERIFY(!same_graph(a, generate_web(p, seed + 1)));
          // Not flat, but slight: depth well under the planar extent (tangles are volumes).
          if (f != WebFamily::Tangle) QVERIFY(extent(a, &Vec3::z) > 0 && extent(a, &Vec3::z) < extent(a, &Vec3::x));
        }
  }

  void orb_structure() {
    WebParams p;
    const WebGraph g = generate_web(p, 5);
    // Every junction has hub ring/radial/spiral/frame threads only: at most 4 each, and lists are one-directional.
    const auto d = undirected_degrees(g);
    QVERIFY(*std::max_element(d.begin(), d.end()) <= 4);
    std::size_t reciprocal = 0;
    for (const Edge& e : g.edges)
      reciprocal += std::count(g.edges.begin(), g.edges.end(), Edge{e.target, e.source});
    QCOMPARE(reciprocal, std::size_t(0));
    QVERIFY(g.nodes.size() >= 60);
  }

  void knobs_act() {
    WebParams p;
    const WebGraph small = generate_web(p, 9);
    p.edge_length = 20;
    const WebGraph large = generate_web(p, 9);
    // An orb's geometry scales with edge_length (same seed, same topology).
    QCOMPARE(large.edges.size(), small.edges.size());
    QVERIFY(std::abs(web_properties(large)[0] / web_properties(small)[0] - 2.0) < 1e-5);
    p = WebParams{};
    p.family = WebFamily::Sheet;
    const double flat = extent(generate_web(p, 3), &Vec3::x) / extent(generate_web(p, 3), &Vec3::y);
    p.anisotropy = 0.6;
    const WebGraph stretched = generate_web(p, 3);
    QVERIFY(extent(stretched, &Vec3::x) / extent(stretched, &Vec3::y) > 2 * flat);
    p = WebParams{};
    p.family = WebFamily::Tangle;
    const std::size_t sparse = generate_web(p, 4).nodes.size();
    p.density = 3;
    QVERIFY(generate_web(p, 4).nodes.size() > 2 * sparse);
  }

  void bad_knobs() {
    WebParams p;
    p.density = 0;
    bool threw = false;
    try {
      generate_web(p, 1);
    } catch (const weft::Error& e) {
      threw = std::string(e.what()).find("density") != std::string::npos;
    }
    QVERIFY(threw);
    p = WebParams{};
    p.anisotropy = std::nan("");
    QVERIFY_THROWS_EXCEPTION(weft::Error, generate_web(p, 1));
  }

  void bfs_sampling() {
    const WebGraph web = generate_web(WebParams{}, 11);
    const WebGraph s = bfs_sample(web, 0, 20);
    QCOMPARE(s.nodes.size(), std::size_t(20));
    check_valid(s, "bfs");
    QCOMPARE(s.nodes[0].x, web.nodes[0].x);  // renumbered in BFS order: the start comes first
    QCOMPARE(bfs_sample(web, 3, 100000).nodes.size(), web.nodes.size());
    QVERIFY_THROWS_EXCEPTION(weft::Error, bfs_sample(web, -1, 5));
  }

  // Counterclockwise BFS: from node 1 (reached from node 0 on its left), the neighbours come right, straight on,
  // left — counterclockwise starting from the way back. The start node's neighbours start at +x.
  void ccw_bfs_order() {
    WebGraph g;
    g.nodes = {{0, 0, 0}, {1, 0, 0}, {2, 0, 0}, {1, 1, 0}, {1, -1, 0}, {0, -1, 0}, {0, 1, 0}};
    g.edges = {{0, 1}, {1, 2}, {1, 3}, {1, 4}, {0, 5}, {0, 6}};
    const WebGraph s = bfs_sample_ccw(g, 0, 7);
    auto at = [&](std::size_t i) { return std::pair<double, double>{s.nodes[i].x, s.nodes[i].y}; };
    QCOMPARE(at(0), (std::pair<double, double>{0, 0}));
    QCOMPARE(at(1), (std::pair<double, double>{1, 0}));   // angle 0 from +x
    QCOMPARE(at(2), (std::pair<double, double>{0, 1}));   // 90°
    QCOMPARE(at(3), (std::pair<double, double>{0, -1}));  // 270°
    QCOMPARE(at(4), (std::pair<double, double>{1, -1}));  // from node 1: right of the way back first
    QCOMPARE(at(5), (std::pair<double, double>{2, 0}));
    QCOMPARE(at(6), (std::pair<double, double>{1, 1}));
    check_valid(s, "ccw bfs");
    // The canonical layout: first node at the origin, second on +x, every sample valid and still 8–64 nodes.
    DatasetParams d = generator_dataset_params(64, "canonical");
    d.count = 30;
    for (const WebGraph& w : synthetic_samples(d, 5)) {
      check_valid(w, "canonical sample");
      QVERIFY(std::abs(w.nodes[0].x) + std::abs(w.nodes[0].y) + std::abs(w.nodes[0].z) < 1e-12);
      QVERIFY(w.nodes[1].x > 0 && std::abs(w.nodes[1].y) < 1e-9);
    }
    QVERIFY_THROWS_EXCEPTION(weft::Error, generator_dataset_params(64, "spiral"));
  }

  void synthetic_dataset() {
    DatasetParams d;
    d.count = 90;
    const auto samples = synthetic_samples(d, 42);
    QCOMPARE(samples.size(), std::size_t(90));
    std::size_t smallest = 1000, largest = 0;
    for (const WebGraph& g : samples) {
      check_valid(g, "sample");
      smallest = std::min(smallest, g.nodes.size());
      largest = std::max(largest, g.nodes.size());
    }
    QVERIFY(smallest >= 8 && largest <= 64);
    QVERIFY(largest - smallest > 30);  // sizes spread over the range
    // Deterministic, and a shorter run is a prefix of a longer one.
    d.count = 30;
    const auto again = synthetic_samples(d, 42);
    for (std::size_t i = 0; i < again.size(); ++i) QVERIFY(same_graph(again[i], samples[i]));
    QVERIFY(!same_graph(synthetic_samples(d, 43)[0], samples[0]));
    // Every sample fits the paper's format, and the encoded dataset decodes to the same graphs.
    const WebDataset ds = make_dataset(samples);
    for (std::size_t i = 0; i < ds.size(); ++i) QVERIFY(same_graph(ds.graph(i), canonical(samples[i])));
    // The directed lists make the mean edge vector vary between samples (not all cancelled to 0).
    double spread = 0;
    for (const auto& y : ds.y) spread = std::max(spread, std::abs(y[1]));
    QVERIFY(spread > 0.1);
  }

  void report() {
    DatasetParams d;
    d.count = 40;
    const WebDataset ds = make_dataset(synthetic_samples(d, 7));
    const DatasetReport r = dataset_report(ds, 10);
    QCOMPARE(r.samples, std::size_t(40));
    QCOMPARE(r.properties.size(), std::size_t(7));
    std::size_t nodes = 0;
    for (int n : ds.node_counts) nodes += static_cast<std::size_t>(n);
    std::size_t degree_total = 0;
    for (auto c : r.degree.counts) degree_total += c;
    QCOMPARE(degree_total, nodes);
    QVERIFY(r.degree.counts.size() <= 6);
    for (const auto& h : r.properties) {
      std::size_t t = 0;
      for (auto c : h.counts) t += c;
      QCOMPARE(t, std::size_t(40));
      QVERIFY(h.min <= h.mean && h.mean <= h.max);
    }
    QCOMPARE(r.properties[4].min >= 8, true);
    const std::string text = render_report(r);
    QVERIFY(text.find("avg_edge_length") != std::string::npos);
    QVERIFY(text.find("node_degree") != std::string::npos);
    QCOMPARE(report_json(r)["properties"].size(), std::size_t(7));
  }
};

QTEST_GUILESS_MAIN(TestWebGenerator)
#include "test_web_generator.moc"
