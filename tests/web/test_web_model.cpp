// Model 3 training and generation jobs on a tiny configuration (seconds): the loss falls, the folder's model loads
// and generates, the same request gives the same webs, seeds vary them, rows decode as the format says, and bad
// requests or files give clear errors.
#include <torch/torch.h>

#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "web/web_generate.h"
#include "web/web_model.h"
#include "web/web_train.h"

using namespace weft;
using namespace weft::web;

namespace {

class RecordingSink : public ProgressSink {
 public:
  void progress(double, std::string_view) override {}
  void metric(const MetricPoint& p) override { points.push_back(p); }
  std::vector<MetricPoint> points;
};

Json tiny_config() {
  GraphTransformerConfig c;
  c.dim = 32;
  c.depth = 2;
  c.dim_head = 16;
  c.heads = 2;
  c.text_embed_dim = 8;
  c.embed_dim_position = 8;
  return c.to_json();
}

Normalization unit_norm() {
  Normalization n;
  n.xyz_min = -1;
  n.xyz_max = 1;
  for (int k = 0; k < kNumProperties; ++k) n.y_min[k] = -1, n.y_max[k] = 1;
  return n;
}

#define EXPECT_ERROR(expr, fragment)                                                       \
  do {                                                                                     \
    try {                                                                                  \
      expr;                                                                                \
      QFAIL("no error from " #expr);                                                       \
    } catch (const Error& e) {                                                             \
      QVERIFY2(QString(e.what()).contains(fragment), e.what());                            \
    }                                                                                      \
  } while (0)

}  // namespace

class TestWebModel : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  std::string model_json_;

  std::string path(const char* name) const { return tmp_.filePath(name).toStdString(); }

 private slots:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    torch::set_num_threads(1);
  }

  void trainingLowersTheLoss() {
    WebTrainRequest req;
    req.count = 400;
    req.config = tiny_config();
    req.epochs = 3;
    req.batch = 16;
    req.lr = 2e-3;
    req.warmup_steps = 10;
    req.out = path("tiny");
    RecordingSink sink;
    CancelToken cancel;
    const auto res = train_web_model(req, sink, cancel);
    QCOMPARE(res.train_samples + res.val_samples, 400);
    std::vector<double> train, val;
    for (const auto& p : sink.points) (p.series == "generator loss" ? train : val).push_back(p.y);
    QCOMPARE(val.size(), std::size_t(3));
    qInfo("train loss %.4f → %.4f, held-out %.4f → %.4f", train.front(), train.back(), val.front(), val.back());
    QVERIFY(train.back() < 0.6 * train.front());
    QVERIFY(val.back() < val.front());
    model_json_ = res.model_json;
    QVERIFY(QFile::exists(QString::fromStdString(model_json_)));
    // The folder's model is the trained one: its held-out loss is what training reported.
    const auto m = load_web_model(model_json_);
    QCOMPARE(m->config.dim, 32);
    QVERIFY(m->norm.xyz_max > m->norm.xyz_min);
  }

  void generationIsReproducibleAndSeeded() {
    QVERIFY(!model_json_.empty());
    WebGenerateRequest req;
    req.model = model_json_;
    req.targets = {10, 0.5, -0.5, 0.1, 30, 35, 1.2};
    req.count = 3;
    req.seed = 42;
    CancelToken cancel;
    NullSink sink;
    const auto a = generate_webs(req, sink, cancel);
    const auto b = generate_webs(req, sink, cancel);
    QCOMPARE(a.webs.size(), std::size_t(3));
    for (std::size_t k = 0; k < 3; ++k) {
      QCOMPARE(a.webs[k].graph.edges, b.webs[k].graph.edges);
      QCOMPARE(a.webs[k].graph.nodes.size(), b.webs[k].graph.nodes.size());
      for (std::size_t i = 0; i < a.webs[k].graph.nodes.size(); ++i)
        QCOMPARE(a.webs[k].graph.nodes[i].x, b.webs[k].graph.nodes[i].x);
    }
    // Web k depends on (seed, k) only, not on how many were asked for.
    auto one = req;
    one.count = 1;
    QCOMPARE(generate_webs(one, sink, cancel).webs[0].graph.nodes[0].x, a.webs[0].graph.nodes[0].x);
    // Another seed moves the start; no noise gives identical webs whatever the seed.
    auto other = req;
    other.seed = 43;
    QVERIFY(generate_webs(other, sink, cancel).webs[0].graph.nodes[0].x != a.webs[0].graph.nodes[0].x);
    auto calm = req;
    calm.start_noise = 0;
    const auto c = generate_webs(calm, sink, cancel);
    QCOMPARE(c.webs[0].graph.nodes[0].x, c.webs[1].graph.nodes[0].x);
    // Sampled decoding: reproducible by seed, different across seeds even without start noise.
    auto sampled = calm;
    sampled.sampling = "sample";
    const auto s1 = generate_webs(sampled, sink, cancel), s2 = generate_webs(sampled, sink, cancel);
    for (std::size_t k = 0; k < 3; ++k) QCOMPARE(s1.webs[k].graph.edges, s2.webs[k].graph.edges);
    auto reseeded = sampled;
    reseeded.seed = 44;
    const auto s3 = generate_webs(reseeded, sink, cancel);
    bool differs = false;
    for (std::size_t k = 0; k < 3; ++k)
      differs |= s3.webs[k].graph.edges != s1.webs[k].graph.edges || s3.webs[k].graph.nodes.size() != s1.webs[k].graph.nodes.size() ||
                 s3.webs[k].graph.nodes.back().x != s1.webs[k].graph.nodes.back().x;
    QVERIFY(differs);
    sampled.sampling = "greedy";
    EXPECT_ERROR(generate_webs(sampled, sink, cancel), "sampling");
    // The saved file carries the request: it reads back as a graph and re-runs the same web.
    const Json j = a.web_json(1);
    QCOMPARE(WebGenerateRequest::from_json(j["weft"]["request"]).to_json(), req.to_json());
    QCOMPARE(j["edges"].size(), a.webs[1].graph.edges.size());
  }

  // Best of N: try 0 of web k is the web a single try gives, so the chosen web is never farther from the
  // targets than that one, and some of the 6 webs must improve on it (the tries differ).
  void bestOfTriesIsClosestToTheTargets() {
    WebGenerateRequest req;
    req.model = model_json_;
    req.targets = {10, 0.5, -0.5, 0.1, 20, 25, 1.25};
    req.count = 6;
    req.seed = 7;
    req.start_noise = 0.5;
    CancelToken cancel;
    NullSink sink;
    const auto single = generate_webs(req, sink, cancel);
    auto best_req = req;
    best_req.candidates = 4;
    const auto best = generate_webs(best_req, sink, cancel);
    QCOMPARE(best.webs.size(), std::size_t(6));
    const auto model = read_web_model_info(model_json_);
    auto distance = [&](const Properties& p) {
      double d = 0;
      for (int k = 0; k < kNumProperties; ++k) {
        const double span = model.y_max[std::size_t(k)] - model.y_min[std::size_t(k)];
        const double e = 2 * (p[std::size_t(k)] - req.targets[std::size_t(k)]) / span;
        d += e * e;
      }
      return d;
    };
    int improved = 0;
    for (std::size_t k = 0; k < 6; ++k) {
      QVERIFY(distance(best.webs[k].measured) <= distance(single.webs[k].measured) + 1e-6);
      improved += distance(best.webs[k].measured) < distance(single.webs[k].measured) - 1e-6;
    }
    QVERIFY(improved > 0);
    // The request round-trips with its candidates; tries without variety are refused.
    QCOMPARE(WebGenerateRequest::from_json(best.to_json()["weft"]["request"]).candidates, 4);
    best_req.start_noise = 0;
    EXPECT_ERROR(generate_webs(best_req, sink, cancel), "variety");
  }

  void cancelNowStopsBetweenRows() {
    WebGenerateRequest req;
    req.model = model_json_;
    req.targets = {10, 0, 0, 0, 30, 35, 1.2};
    CancelToken cancel;
    struct CancelOnProgress : ProgressSink {
      CancelToken* c;
      int calls = 0;
      void progress(double f, std::string_view) override {
        if (f > 0 && ++calls == 2) c->request(CancelToken::Mode::Now);
      }
    } sink;
    sink.c = &cancel;
    QVERIFY_THROWS_EXCEPTION(Cancelled, generate_webs(req, sink, cancel));
  }

  void decodeRowsFollowsTheFormat() {
    // Three nodes: 0 lists 1, 1 lists 2 (strong), 2 lists 0 weakly (below the threshold); row 3 names nothing.
    const int L = 8;
    auto rows = torch::zeros({L, 3 + L});
    rows[0][0] = 0.5;
    rows[1][1] = -0.5;
    rows[0][3 + 1] = 0.9;
    rows[1][3 + 2] = 1.4;   // clamped to 1
    rows[2][3 + 0] = 0.2;   // < 0.25
    rows[3][3 + 3] = 1.0;   // a self-entry is never a thread
    DecodeStats st;
    auto g = decode_rows(rows, unit_norm(), DecodeOptions{}, &st);
    QCOMPARE(int(g.nodes.size()), 3);
    QCOMPARE(g.edges, (std::vector<Edge>{{0, 1}, {1, 2}}));
    QCOMPARE(g.nodes[0].x, 0.5);
    QCOMPARE(g.nodes[1].y, -0.5);
    QVERIFY(st.connected);
    QCOMPARE(st.isolated_nodes, 0);
    // Symmetric decoding averages a with aᵀ: 2→0 becomes (0.2 + 0)/2, still no thread; 0↔1 both ways at 0.45.
    auto sym = decode_rows(rows, unit_norm(), DecodeOptions{"threshold", 0.25, true, 5}, nullptr);
    QCOMPARE(sym.edges, (std::vector<Edge>{{0, 1}, {1, 0}, {1, 2}, {2, 1}}));
    // The degree cap keeps the strongest entries.
    auto busy = torch::zeros({L, 3 + L});
    for (int j = 1; j < 8; ++j) busy[0][3 + j] = 0.3 + 0.1 * j;
    DecodeStats capped;
    auto gc = decode_rows(busy, unit_norm(), DecodeOptions{"threshold", 0.25, false, 2}, &capped);
    QCOMPARE(gc.edges, (std::vector<Edge>{{0, 6}, {0, 7}}));
    QCOMPARE(capped.capped_entries, 5);
    QCOMPARE(capped.isolated_nodes, 5);  // nodes 1..5 are named by no kept entry but lie below the last index
    QVERIFY(!capped.connected);
    // The count rule: a row whose mass (0.2 + 0.24 + 0.2 + 0.2 + 0.15 = 0.99) is spread over candidates keeps
    // round(0.99) = 1 entry, the strongest, although none reaches the threshold.
    auto spread = torch::zeros({L, 3 + L});
    spread[1][3 + 0] = 1.0;
    for (auto [j, v] : std::vector<std::pair<int, float>>{{0, 0.2f}, {1, 0.24f}, {3, 0.2f}, {4, 0.2f}, {5, 0.15f}})
      spread[2][3 + j] = v;
    auto gcount = decode_rows(spread, unit_norm(), DecodeOptions{"count", 0.25, false, 5}, nullptr);
    QCOMPARE(gcount.edges, (std::vector<Edge>{{1, 0}, {2, 1}}));
    auto gthresh = decode_rows(spread, unit_norm(), DecodeOptions{}, nullptr);
    QCOMPARE(gthresh.edges, (std::vector<Edge>{{1, 0}}));
  }

  // "attached": a row left without a thread to an earlier node keeps its strongest earlier entry (never a later
  // one), so every node joins the web; node_count cuts the web at the asked size whatever the rows say.
  void attachedRuleAndNodeCount() {
    const int L = 8;
    auto rows = torch::zeros({L, 3 + L});
    rows[1][3 + 0] = 0.9;
    rows[2][3 + 0] = -0.3;  // both earlier entries under the threshold; node 1 ranks higher
    rows[2][3 + 1] = -0.1;
    rows[2][3 + 5] = 0.2;   // stronger, but a later node: never the attachment
    rows[3][3 + 2] = 0.8;
    rows[4][3 + 1] = -0.5;  // rows past the model's end (row 3) stay out of the web
    rows[4][3 + 3] = 0.1;
    DecodeStats st;
    const auto plain = decode_rows(rows, unit_norm(), DecodeOptions{}, &st);
    QCOMPARE(plain.edges, (std::vector<Edge>{{1, 0}, {3, 2}}));
    QVERIFY(!st.connected);
    const auto attached = decode_rows(rows, unit_norm(), DecodeOptions{"attached", 0.25, false, 5}, &st);
    QCOMPARE(int(attached.nodes.size()), 4);
    QCOMPARE(attached.edges, (std::vector<Edge>{{1, 0}, {2, 1}, {3, 2}}));
    QVERIFY(st.connected);
    // Six nodes asked: rows 4 and 5 join too (row 4 at its strongest earlier entry, node 3; row 5, all zeros, at
    // node 0); three asked: the thread from row 3 is dropped with its node and row 2 has no thread left.
    DecodeOptions six{"attached", 0.25, false, 5};
    six.node_count = 6;
    const auto g6 = decode_rows(rows, unit_norm(), six, &st);
    QCOMPARE(int(g6.nodes.size()), 6);
    QCOMPARE(g6.edges, (std::vector<Edge>{{1, 0}, {2, 1}, {3, 2}, {4, 3}, {5, 0}}));
    QVERIFY(st.connected);
    DecodeOptions three;
    three.node_count = 3;
    const auto g3 = decode_rows(rows, unit_norm(), three, &st);
    QCOMPARE(int(g3.nodes.size()), 3);
    QCOMPARE(g3.edges, (std::vector<Edge>{{1, 0}}));
    QCOMPARE(st.isolated_nodes, 1);
    three.node_count = -1;
    QVERIFY_THROWS_EXCEPTION(Error, decode_rows(rows, unit_norm(), three, nullptr));
  }

  void datasetRowsMatchTheNeighbourSlots() {
    WebGraph g;
    g.nodes = {{0, 0, 0}, {2, 0, 0}, {2, 2, 1}};
    g.edges = {{1, 0}, {2, 1}, {2, 0}};
    const auto data = make_dataset({g});
    Normalization n = unit_norm();
    n.xyz_min = 0;
    n.xyz_max = 2;
    const auto t = dataset_rows(data, n, 64);
    QCOMPARE(t.rows.sizes(), (c10::IntArrayRef{1, 64, 67}));
    QCOMPARE(t.rows[0][2][0].item<float>(), 1.0f);   // x = 2 → +1
    QCOMPARE(t.rows[0][0][2].item<float>(), -1.0f);  // z = 0 → −1
    QCOMPARE(t.rows[0][2][3 + 0].item<float>(), 1.0f);
    QCOMPARE(t.rows[0][2][3 + 1].item<float>(), 1.0f);
    QCOMPARE(t.rows[0][1][3 + 0].item<float>(), 1.0f);
    QCOMPARE(t.rows[0].slice(1, 3).sum().item<float>(), 3.0f);
    QCOMPARE(t.rows[0].slice(0, 3).abs().sum().item<float>(), 0.0f);  // padding rows stay zero
    // And back: the decoded graph is the original one.
    auto back = decode_rows(t.rows[0], n, DecodeOptions{}, nullptr);
    auto want = g.edges;
    std::sort(want.begin(), want.end());
    QCOMPARE(back.edges, want);  // the adjacency row has no slot order: entries come back sorted
    QCOMPARE(back.nodes[2].z, 1.0);
  }

  void badRequestsAndFiles() {
    WebGenerateRequest req;
    req.model = model_json_;
    req.targets = {10, 0, 0, 0, 30, 35, std::nan("")};
    CancelToken cancel;
    NullSink sink;
    EXPECT_ERROR(generate_webs(req, sink, cancel), "avg_node_degree");
    req.targets[6] = 1.2;
    req.count = 0;
    EXPECT_ERROR(generate_webs(req, sink, cancel), "count");
    req.count = 1;
    req.model = path("missing.json");
    EXPECT_ERROR(generate_webs(req, sink, cancel), "missing.json");
    // A truncated weight file names the file.
    const std::string dir = path("broken");
    QDir().mkpath(QString::fromStdString(dir));
    const std::string weights = read_file(path("tiny/model.safetensors"));
    write_file_atomic(dir + "/model.safetensors", weights.substr(0, weights.size() / 2));
    write_file_atomic(dir + "/model.json", read_file(path("tiny/model.json")));
    req.model = dir + "/model.json";
    EXPECT_ERROR(generate_webs(req, sink, cancel), "model.safetensors");
    // A model.json of another kind is refused.
    write_file_atomic(dir + "/other.json", "{\"kind\": \"image\"}");
    req.model = dir + "/other.json";
    EXPECT_ERROR(generate_webs(req, sink, cancel), "weft-web-generator");
    // The official Model 3 checkpoint loads through a model.json that points at it.
    Json j = parse_json(read_file(path("tiny/model.json")), "model.json");
    j["transformer"] = {{"dim", 32}, {"depth", 2}, {"dim_head", 16}, {"heads", 2}, {"text_embed_dim", 16},
                        {"embed_dim_position", 16}};
    j["weights"] = std::string(WEFT_SHARED_DIR) + "/fixtures/spiderweb_transformer/weights.pth";
    write_file_atomic(dir + "/official.json", j.dump());
    QCOMPARE(load_web_model(dir + "/official.json")->config.dim, 32);
    // Training: an impossible batch for the data says the numbers.
    WebTrainRequest t;
    t.count = 20;
    t.batch = 64;
    t.out = path("never");
    t.config = tiny_config();
    EXPECT_ERROR(train_web_model(t, sink, cancel), "batch of 64");
  }
};

QTEST_GUILESS_MAIN(TestWebModel)
#include "test_web_model.moc"
