// The shipped web generator (models/web/synthetic): it loads, generates reproducibly, and its conditioning fidelity
// on held-out targets is what its model card (eval.json, written by `weft web eval`) says — so a change to the
// weights, the normalisation, the decoder or the property code that moves the figures fails here.
#include <torch/torch.h>  // before Qt: Qt's `slots` macro breaks LibTorch headers

#include <QtTest>
#include <filesystem>

#include "cli_run.h"
#include "common/atomic_file.h"
#include "common/json_io.h"
#include "web/web_generate.h"

using namespace weft;
using namespace weft::web;

namespace {
const std::string kDir = std::string(WEFT_SOURCE_DIR) + "/models/web/synthetic";
}

class TestWebShipped : public QObject {
  Q_OBJECT
  Json card_;

 private slots:
  void initTestCase() {
    if (!std::filesystem::exists(kDir + "/model.json")) QFAIL("models/web/synthetic/model.json is missing");
    card_ = parse_json(read_file(kDir + "/eval.json"), "eval.json");
  }

  // The card's evaluation, re-run on its first 64 targets (the same request otherwise): the figures must agree
  // with the card's within sampling noise of the smaller set, and beat a model that ignores its conditions.
  void fidelityMatchesTheCard() {
    WebEvalRequest e;
    const Json& r = card_.at("weft").at("request");
    e.model = kDir + "/model.json";
    e.count = 64;
    e.data_seed = r.at("data_seed").get<std::uint64_t>();
    e.seed = r.at("seed").get<std::uint64_t>();
    e.cond_scale = r.at("cond_scale").get<double>();
    e.start_noise = r.at("start_noise").get<double>();
    e.sampling = r.at("sampling").get<std::string>();
    e.decode = r.at("decode").get<std::string>();
    e.threshold = r.at("threshold").get<double>();
    NullSink sink;
    CancelToken cancel;
    const auto res = evaluate_web_model(e, sink, cancel);
    qInfo("%s", res.table().c_str());
    const double card_nodes = card_.at("properties").at("num_nodes").at("r2").get<double>();
    const double card_pooled = card_.at("pooled_r2").get<double>();
    QVERIFY2(std::abs(res.r2[4] - card_nodes) < 0.15, qPrintable(QString::number(res.r2[4])));
    QVERIFY2(std::abs(res.pooled_r2 - card_pooled) < 0.2, qPrintable(QString::number(res.pooled_r2)));
    QVERIFY(std::abs(res.connected_fraction - card_.at("connected_fraction").get<double>()) < 0.15);
    // The node count follows its target: requested and generated counts are positively related (R² > 0 means the
    // conditions are read; a generator that ignored them would score ≤ 0).
    QVERIFY(res.r2[4] > 0.2);
  }

  // Generate-and-select on the same 24 targets: keeping the best of 8 tries must fit the targets better than
  // one try (pooled R² up, node-count error down) — it fails if the selection picked the wrong try.
  void bestOfTriesFitsBetter() {
    WebEvalRequest e;
    e.model = kDir + "/model.json";
    e.count = 24;
    const auto info = read_web_model_info(e.model);
    e.cond_scale = info.cond_scale;
    e.threshold = info.threshold;
    e.start_noise = info.start_noise;
    QVERIFY(info.candidates > 1);  // the card recommends generate-and-select
    NullSink sink;
    CancelToken cancel;
    const auto one = evaluate_web_model(e, sink, cancel);
    e.candidates = 8;
    const auto best = evaluate_web_model(e, sink, cancel);
    qInfo("24 targets: pooled R² one try %.3f, best of 8 %.3f; node MAE %.2f → %.2f", one.pooled_r2, best.pooled_r2,
          one.mae[4], best.mae[4]);
    QVERIFY(best.pooled_r2 > one.pooled_r2 + 0.05);
    QVERIFY(best.mae[4] < one.mae[4]);
    QCOMPARE(best.measured.size(), std::size_t(24));
    // Preferring webs in one piece: at least as many connected webs as the plain best-of, nearly all of them.
    e.prefer_connected = true;
    const auto whole = evaluate_web_model(e, sink, cancel);
    qInfo("connected: one try %.2f, best of 8 %.2f, preferring one piece %.2f (pooled R² %.3f)",
          one.connected_fraction, best.connected_fraction, whole.connected_fraction, whole.pooled_r2);
    QVERIFY(whole.connected_fraction >= best.connected_fraction);
    QVERIFY(whole.connected_fraction > 0.9);
  }

  // The studio's decoding (model.json "recommended": the web stops at the asked node count, every node joins an
  // earlier one, best of 64 tries), re-run on the first 40 targets of eval-recommended.json: every web has exactly
  // the asked node count and is in one piece, and the pooled R² stays near the card's (0.92 on 200 targets).
  void recommendedDecodingMeetsTheGoal() {
    const Json card = parse_json(read_file(kDir + "/eval-recommended.json"), "eval-recommended.json");
    const Json& r = card.at("weft").at("request");
    const auto info = read_web_model_info(kDir + "/model.json");
    QCOMPARE(r.at("candidates").get<int>(), info.candidates);  // the card measured what the studio uses
    QCOMPARE(r.at("length").get<std::string>(), info.length);
    QCOMPARE(r.at("decode").get<std::string>(), info.decode);
    WebEvalRequest e;
    e.model = kDir + "/model.json";
    e.count = 40;
    e.data_seed = r.at("data_seed").get<std::uint64_t>();
    e.seed = r.at("seed").get<std::uint64_t>();
    e.cond_scale = info.cond_scale;
    e.threshold = info.threshold;
    e.start_noise = info.start_noise;
    e.candidates = info.candidates;
    e.decode = info.decode;
    e.length = info.length;
    NullSink sink;
    CancelToken cancel;
    const auto res = evaluate_web_model(e, sink, cancel);
    qInfo("%s", res.table().c_str());
    QCOMPARE(res.mae[4], 0.0);
    QCOMPARE(res.connected_fraction, 1.0);
    QCOMPARE(res.isolated_per_web, 0.0);
    QVERIFY2(res.pooled_r2 > 0.85, qPrintable(QString::number(res.pooled_r2)));
    QVERIFY(std::abs(res.pooled_r2 - card.at("pooled_r2").get<double>()) < 0.06);
  }

  void sameRequestSameWeb() {
    WebGenerateRequest g;
    g.model = kDir + "/model.json";
    g.targets = {12, 0.5, 2, 0, 30, 40, 1.33};
    g.seed = 5;
    g.count = 2;
    NullSink sink;
    CancelToken cancel;
    const auto a = generate_webs(g, sink, cancel), b = generate_webs(g, sink, cancel);
    for (std::size_t k = 0; k < 2; ++k) {
      QCOMPARE(a.webs[k].graph.edges, b.webs[k].graph.edges);
      QCOMPARE(a.webs[k].measured, b.webs[k].measured);
    }
  }

  // `weft web eval` as typed: without decoding flags it judges the model as `weft web generate` draws from it
  // (model.json "recommended"); a flag overrides one setting and leaves the others.
  void evalCommandUsesTheCardsDecoding() {
    const Json rec = parse_json(read_file(kDir + "/model.json"), "model.json").at("recommended");
    const QString json = QDir::temp().filePath("weft_web_eval_defaults.json");
    auto request_of = [&](QStringList extra) {
      QStringList args{"--threads", "1", "web", "eval", "--model", QString::fromStdString(kDir + "/model.json"),
                       "--count", "2", "--json", json};
      const auto run = weft::testing::runWeft(args + extra);
      if (run.code != 0) qWarning("%s", qPrintable(run.err));
      return parse_json(read_file(json.toStdString()), "eval json").at("weft").at("request");
    };
    const Json plain = request_of({});
    QCOMPARE(plain.at("cond_scale").get<double>(), rec.at("cond_scale").get<double>());
    QCOMPARE(plain.at("threshold").get<double>(), rec.at("threshold").get<double>());
    QCOMPARE(plain.at("start_noise").get<double>(), rec.at("start_noise").get<double>());
    QCOMPARE(plain.at("candidates").get<int>(), rec.at("candidates").get<int>());
    QCOMPARE(plain.at("decode").get<std::string>(), rec.at("decode").get<std::string>());
    QCOMPARE(plain.at("length").get<std::string>(), rec.at("length").get<std::string>());
    const Json one = request_of({"--candidates", "1"});
    QCOMPARE(one.at("candidates").get<int>(), 1);
    QCOMPARE(one.at("cond_scale").get<double>(), rec.at("cond_scale").get<double>());
    QFile::remove(json);
  }
};

QTEST_GUILESS_MAIN(TestWebShipped)
#include "test_web_shipped.moc"
