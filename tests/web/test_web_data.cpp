// The web data layer: properties on hand-made graphs (values worked out by hand), exact round trips through the
// row format and every file format, the paper's dataset file (the shared fixture), and bad input of every kind
// giving a weft::Error that says where and what.
#include <QtTest/QtTest>

#include <cmath>
#include <cstdio>
#include <string>

#include "common/atomic_file.h"
#include "common/error.h"
#include "web/graph_files.h"
#include "web/paper_dataset.h"
#include "web/sample_format.h"
#include "web/web_graph.h"
#include "web/web_properties.h"

using namespace weft::web;

namespace {

const std::string kFixture =
    std::string(WEFT_SHARED_DIR) + "/fixtures/spiderweb_transformer/dataset_webs_format_sample.pt";

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const weft::Error& e) {
    return e.what();
  }
  return "(no error)";
}

bool same_graph(const WebGraph& a, const WebGraph& b) {
  if (a.nodes.size() != b.nodes.size() || !(a.edges == b.edges)) return false;
  for (std::size_t i = 0; i < a.nodes.size(); ++i)
    if (a.nodes[i].x != b.nodes[i].x || a.nodes[i].y != b.nodes[i].y || a.nodes[i].z != b.nodes[i].z) return false;
  return true;
}

// Triangle-ish web: 0 at the origin, 1 at (3,4,0), 2 at (0,0,2); entries 1→0, 2→0 and the reciprocal 0→1.
WebGraph hand_web() {
  WebGraph g;
  g.nodes = {{0, 0, 0}, {3, 4, 0}, {0, 0, 2}};
  g.edges = {{1, 0}, {2, 0}, {0, 1}};
  return g;
}

std::string temp_path(const std::string& name) {
  return QDir::temp().filePath(QString::fromStdString("weft_web_" + std::to_string(QCoreApplication::applicationPid()) +
                                                      "_" + name)).toStdString();
}

}  // namespace

class TestWebData : public QObject {
  Q_OBJECT
 private slots:
  void properties_by_hand() {
    // Vectors p_src − p_dst: (3,4,0) |5|, (0,0,2) |2|, (−3,−4,0) |5| → mean length 12/3, mean vector (0,0,2/3).
    const Properties p = web_properties(hand_web());
    QCOMPARE(p[0], 4.0);
    QCOMPARE(p[1], 0.0);
    QCOMPARE(p[2], 0.0);
    QVERIFY(std::abs(p[3] - 2.0 / 3.0) < 1e-15);
    QCOMPARE(p[4], 3.0);
    QCOMPARE(p[5], 3.0);
    QCOMPARE(p[6], 1.0);
  }

  void properties_keep_dx_dy_dz_apart() {
    // One entry 1→0 with the vector (1,2,3): the official re-measurement would report dx where dz belongs.
    WebGraph g;
    g.nodes = {{0, 0, 0}, {1, 2, 3}};
    g.edges = {{1, 0}};
    const Properties p = web_properties(g);
    QCOMPARE(p[0], std::sqrt(14.0));
    QCOMPARE(p[1], 1.0);
    QCOMPARE(p[2], 2.0);
    QCOMPARE(p[3], 3.0);
    QCOMPARE(p[4], 2.0);
    QCOMPARE(p[5], 1.0);
    QCOMPARE(p[6], 0.5);
    // Direction matters: reversing the entry flips the mean vector, not the length.
    g.edges = {{0, 1}};
    QCOMPARE(web_properties(g)[1], -1.0);
    QCOMPARE(web_properties(g)[0], std::sqrt(14.0));
  }

  void properties_without_edges() {
    WebGraph g;
    g.nodes = {{1, 1, 1}};
    const Properties p = web_properties(g);
    QCOMPARE(p[0], 0.0);
    QCOMPARE(p[4], 1.0);
    QCOMPARE(p[6], 0.0);
    QVERIFY(contains(error_of([] { web_properties(WebGraph{}); }), "no nodes"));
  }

  void validation_names_the_culprit() {
    WebGraph g = hand_web();
    g.nodes[1].y = std::nan("");
    QVERIFY(contains(error_of([&] { validate(g, "here"); }), "here: node 1 has a non-finite"));
    g = hand_web();
    g.edges.push_back({2, 7});
    QVERIFY(contains(error_of([&] { validate(g, "here"); }), "edge 3 (2 -> 7) refers to a node outside"));
    g = hand_web();
    g.edges.push_back({2, 2});
    QVERIFY(contains(error_of([&] { validate(g, "here"); }), "self-loop"));
    g = hand_web();
    g.edges.push_back({1, 0});
    QVERIFY(contains(error_of([&] { validate(g, "here"); }), "edge 3 (1 -> 0) is listed twice"));
  }

  void graph_helpers() {
    const WebGraph g = hand_web();
    QVERIFY(is_connected(g));
    QCOMPARE(undirected_degrees(g), (std::vector<int>{2, 1, 1}));
    QCOMPARE(out_degrees(g), (std::vector<int>{1, 1, 1}));
    WebGraph split = g;
    split.nodes.push_back({9, 9, 9});
    QVERIFY(!is_connected(split));
    QVERIFY(!is_connected(WebGraph{}));
  }

  void rows_layout_and_round_trip() {
    const WebGraph g = canonical(hand_web());
    const auto rows = graph_to_rows(g);
    QCOMPARE(rows.size(), std::size_t(64 * 16));
    // Row 0: ordinal 1, origin, lists node 2 (1-based) at distance 5; columns 9 and 15 stay 0.
    QCOMPARE(rows[0], 1.0f);
    QCOMPARE(rows[4], 2.0f);
    QCOMPARE(rows[5], 0.0f);
    QCOMPARE(rows[10], 5.0f);
    QCOMPARE(rows[16 + 1], 3.0f);
    QCOMPARE(rows[16 + 4], 1.0f);
    QCOMPARE(rows[2 * 16 + 14], 0.0f);
    for (std::size_t i = 3 * 16; i < rows.size(); ++i) QCOMPARE(rows[i], 0.0f);
    const WebGraph back = rows_to_graph(rows.data(), 3, 64, 5, "rows");
    QVERIFY(same_graph(back, g));
    QCOMPARE(web_properties(back), web_properties(g));
  }

  void rows_refuse_what_does_not_fit() {
    WebGraph star;
    star.nodes.assign(7, {0, 0, 0});
    for (int i = 1; i < 7; ++i) {
      star.nodes[static_cast<std::size_t>(i)] = {double(i), 0, 0};
      star.edges.push_back({0, i});
    }
    QVERIFY(contains(error_of([&] { graph_to_rows(star); }), "node 0 lists more than 5 neighbours"));
    WebGraph big;
    big.nodes.assign(65, {0, 0, 0});
    QVERIFY(contains(error_of([&] { graph_to_rows(big); }), "65 nodes"));
    auto rows = graph_to_rows(hand_web());
    rows[16 + 5] = 9;  // node 1, slot 1 → a node that does not exist
    QVERIFY(contains(error_of([&] { rows_to_graph(rows.data(), 3, 64, 5, "sample 4"); }),
                     "sample 4: node 1, neighbour slot 1 (column 5): value 9"));
    rows[16 + 5] = 1.5f;
    QVERIFY(contains(error_of([&] { rows_to_graph(rows.data(), 3, 64, 5, "s"); }), "not a node number"));
  }

  void normalization() {
    std::vector<std::vector<float>> blocks = {graph_to_rows(hand_web())};
    const Properties a{1, -1, 0, 2, 3, 4, 5}, b{3, 1, 0, 4, 5, 8, 9};
    const Normalization nz = fit_normalization(blocks, {a, b});
    QCOMPARE(nz.xyz_min, 0.0);  // padding rows count, as in the paper
    QCOMPARE(nz.xyz_max, 4.0);
    QCOMPARE(nz.scale_xyz(4.0), 1.0);
    QCOMPARE(nz.scale_xyz(2.0), 0.0);
    QCOMPARE(nz.unscale_xyz(-1.0), 0.0);
    QCOMPARE(nz.scale_y(0, 1.0), -1.0);
    QCOMPARE(nz.scale_y(5, 6.0), 0.0);
    QCOMPARE(nz.scale_y(2, 0.0), 0.0);  // constant column: 0, not NaN
    QCOMPARE(nz.unscale_y(6, 1.0), 9.0);
  }

  void json_round_trip_and_errors() {
    const WebGraph g = hand_web();
    const std::string path = temp_path("g.json");
    write_graph_json(path, g);
    QVERIFY(same_graph(read_graph_json(path), g));
    QVERIFY(same_graph(read_graph_file(path), g));
    std::remove(path.c_str());
    QVERIFY(contains(error_of([] { parse_graph_json("", "a.json"); }), "a.json: invalid JSON"));
    QVERIFY(contains(error_of([] { parse_graph_json("{\"nodes\": [[0,0,0],\n[1,2]]}", "a.json"); }),
                     "a.json: nodes[1] should be [x, y, z]"));
    QVERIFY(contains(error_of([] { parse_graph_json("{\"nodes\": [[0,0,0],[1,1,1]], \"edges\": [[0,5]]}", "a.json"); }),
                     "edge 0 (0 -> 5) refers to a node outside"));
    QVERIFY(contains(error_of([] { parse_graph_json("{\"nodes\": [[0,0,0],[1,\"x\",1]]}", "a.json"); }),
                     "nodes[1][1] should be a number"));
    QVERIFY(contains(error_of([] { parse_graph_json("{\"nodes\": []}", "a.json"); }), "empty"));
    QVERIFY(contains(error_of([] { parse_graph_json("{\"nodes\": [[1e400,0,0]]}", "a.json"); }), "a.json: invalid JSON"));
    QVERIFY(contains(error_of([] { parse_graph_json("{\"nodes\": [[0,0,0]],\n\"edges\": [[0,1]}", "a.json"); }),
                     "line 2"));
  }

  void csv_round_trip_and_errors() {
    const WebGraph g = hand_web();
    const std::string n = temp_path("g.nodes.csv"), e = temp_path("g.edges.csv");
    write_graph_csv(n, e, g);
    QVERIFY(same_graph(read_graph_csv(n, e), g));
    QVERIFY(same_graph(read_graph_file(e), g));
    std::remove(n.c_str());
    std::remove(e.c_str());
    const std::string nodes = "id,x,y,z\n0,0,0,0\n1,1,0,0\n";
    auto err = [&](const std::string& nt, const std::string& et) {
      return error_of([&] { parse_graph_csv(nt, "w.nodes.csv", et, "w.edges.csv"); });
    };
    QVERIFY(contains(err(nodes, "source,target\n0,1\n0,4\n"), "w.edges.csv: line 3, column \"target\": node 4 does not exist"));
    QVERIFY(contains(err(nodes, "source,target\n0,1\n1\n"), "w.edges.csv: line 3 has 1 fields; the header has 2"));
    QVERIFY(contains(err("id,x,y,z\n0,0,0,0\n1,nan,0,0\n", "source,target\n"),
                     "w.nodes.csv: line 3, column \"x\": \"nan\" is not a finite number"));
    QVERIFY(contains(err("", "source,target\n"), "w.nodes.csv: the file is empty"));
    QVERIFY(contains(err(nodes, ""), "w.edges.csv: the file is empty"));
    QVERIFY(contains(err("id,x,y\n0,0,0\n", ""), "header should be `id,x,y,z`"));
    QVERIFY(contains(err("id,x,y,z\n0,0,0,0\n0,1,0,0\n", "source,target\n"), "line 3, column \"id\": id 0 was already given on line 2"));
    QVERIFY(contains(err(nodes, "source,target\n0,1\n\n0,1\n"), "line 4: edge 0,1 repeats line 2"));
    QVERIFY(contains(err(nodes, "source,target\n1,1\n"), "line 2: self-loop on node 1"));
    QVERIFY(contains(err(nodes, "source,target\n0,-1\n"), "is not a node id"));
    QVERIFY(contains(error_of([] { read_graph_file("web.txt"); }), "unknown graph file type"));
    QVERIFY(contains(error_of([] { read_graph_json("/nonexistent/w.json"); }), "/nonexistent/w.json"));
  }

  void paper_fixture_loads() {
    const WebDataset ds = read_paper_dataset(kFixture);
    QCOMPARE(ds.size(), std::size_t(4));
    QCOMPARE(ds.node_counts, (std::vector<int>{11, 19, 33, 64}));
    QCOMPARE(ds.max_length, 64);
    QCOMPARE(ds.max_neighbors, 5);
    QCOMPARE(ds.posdim_emb, 16);
    QCOMPARE(ds.labels.size(), std::size_t(7));
    QCOMPARE(ds.labels[0], std::string("avg_edge_length"));
    for (std::size_t i = 0; i < ds.size(); ++i) {
      const WebGraph g = ds.graph(i);
      QVERIFY(is_connected(g));
      // The stored y_data was measured by the official get_properties: ours must agree (float32 storage).
      const Properties p = web_properties(g);
      for (int k = 0; k < kNumProperties; ++k)
        QVERIFY2(std::abs(p[k] - ds.y[i][k]) <= 1e-5 * std::max(1.0, std::abs(p[k])),
                 qPrintable(QString("sample %1 property %2: %3 vs %4").arg(i).arg(k).arg(p[k]).arg(ds.y[i][k])));
      // Re-encoding gives the file's rows: ordinal, xyz and slots exactly, distances to float precision.
      const auto rows = graph_to_rows(g);
      for (std::size_t r = 0; r < rows.size(); ++r) {
        const int col = static_cast<int>(r % 16);
        if (col >= kDistanceColumn)
          QVERIFY(std::abs(rows[r] - ds.blocks[i][r]) <= 1e-5f * std::max(1.0f, std::abs(rows[r])));
        else
          QCOMPARE(rows[r], ds.blocks[i][r]);
      }
    }
    QCOMPARE(read_web_dataset(kFixture).size(), std::size_t(4));
  }

  void dataset_safetensors_round_trip() {
    const WebDataset src = read_paper_dataset(kFixture);
    std::vector<WebGraph> graphs;
    for (std::size_t i = 0; i < src.size(); ++i) graphs.push_back(src.graph(i));
    const WebDataset ds = make_dataset(graphs);
    const std::string path = temp_path("ds.safetensors");
    write_dataset_safetensors(path, ds);
    const WebDataset back = read_web_dataset(path);
    std::remove(path.c_str());
    QCOMPARE(back.node_counts, ds.node_counts);
    QCOMPARE(back.labels, ds.labels);
    QVERIFY(back.blocks == ds.blocks);
    for (std::size_t i = 0; i < ds.size(); ++i) {
      QVERIFY(same_graph(back.graph(i), graphs[i]));
      for (int k = 0; k < kNumProperties; ++k) QCOMPARE(back.y[i][k], double(float(ds.y[i][k])));
    }
  }

  void bad_dataset_files() {
    const std::string path = temp_path("bad.safetensors");
    weft::write_file_atomic(path, std::string("not a tensor file"));
    QVERIFY(!contains(error_of([&] { read_web_dataset(path); }), "(no error)"));
    // A file with the right tensors but a dangling neighbour in sample 0.
    WebDataset ds = make_dataset({hand_web()});
    ds.blocks[0][4] = 40;
    write_dataset_safetensors(path, ds);
    QVERIFY(contains(error_of([&] { read_web_dataset(path); }), "sample 0: node 0, neighbour slot 0"));
    ds = make_dataset({hand_web()});
    ds.node_counts[0] = 80;
    write_dataset_safetensors(path, ds);
    QVERIFY(contains(error_of([&] { read_web_dataset(path); }), "sample 0: node count 80"));
    std::remove(path.c_str());
    QVERIFY(contains(error_of([] { read_web_dataset("/nonexistent/d.pt"); }), "/nonexistent/d.pt"));
    // A real torch.save file that is not the dataset tuple (the fixture's state dict).
    QVERIFY(contains(error_of([] {
                       read_paper_dataset(std::string(WEFT_SHARED_DIR) + "/fixtures/spiderweb_transformer/weights.pth");
                     }),
                     "expected the paper's 7-tuple"));
  }

  void graph_list_json() {
    const std::vector<WebGraph> graphs = {hand_web(), canonical(hand_web())};
    const std::string path = temp_path("list.json");
    write_graphs_json(path, graphs);
    const auto back = read_graphs_json(path);
    std::remove(path.c_str());
    QCOMPARE(back.size(), std::size_t(2));
    QVERIFY(same_graph(back[0], graphs[0]) && same_graph(back[1], graphs[1]));
    QVERIFY(contains(error_of([] { parse_graphs_json("{\"graphs\": [{\"nodes\": [[0,0,0]], \"edges\": [[0,0]]}]}", "l.json"); }),
                     "l.json, graphs[0]: edge 0 (0 -> 0) is a self-loop"));
    QVERIFY(contains(error_of([] { parse_graphs_json("[]", "l.json"); }), "expected an object {\"graphs\""));
  }
};

QTEST_GUILESS_MAIN(TestWebData)
#include "test_web_data.moc"
