// `weft web dataset|report` as the CLI parses them: files written, read back and reported; bad requests are
// weft::Errors, not crashes.
#include <QtTest/QtTest>

#include <cstdio>
#include <sstream>

#include "commands.h"
#include "common/cancel_token.h"
#include "common/error.h"
#include "common/progress_sink.h"
#include "web/graph_files.h"
#include "web/paper_dataset.h"
#include "web_cli_in_process.h"
#include "web_commands.h"

using namespace weft::web;
using weft::web::testing::weft_web;

namespace {

std::string temp_path(const std::string& name) {
  return QDir::temp().filePath(QString::fromStdString("weft_webcli_" + std::to_string(QCoreApplication::applicationPid()) +
                                                      "_" + name)).toStdString();
}

}  // namespace

class TestWebCli : public QObject {
  Q_OBJECT
 private slots:
  void dataset_safetensors() {
    const std::string path = temp_path("d.safetensors");
    const std::string said = weft_web({"web", "dataset", "-o", path, "--count", "25", "--seed", "9"});
    QVERIFY(said.find("25 samples") != std::string::npos);
    const WebDataset ds = read_web_dataset(path);
    DatasetParams p;
    p.count = 25;
    const auto expected = synthetic_samples(p, 9);
    QCOMPARE(ds.size(), std::size_t(25));
    for (std::size_t i = 0; i < ds.size(); ++i) QCOMPARE(ds.graph(i).edges, canonical(expected[i]).edges);
    const std::string text = weft_web({"web", "report", path});
    QVERIFY(text.find("25 samples") != std::string::npos && text.find("node_degree") != std::string::npos);
    std::remove(path.c_str());
  }

  void dataset_json_with_options() {
    const std::string path = temp_path("d.json");
    const std::string said = weft_web({"web", "dataset", "-o", path, "--count", "6", "--min-nodes", "20",
                                       "--max-nodes", "30", "--report", "--bins", "4"});
    QVERIFY(said.find("avg_dx") != std::string::npos);
    const auto graphs = read_graphs_json(path);
    QCOMPARE(graphs.size(), std::size_t(6));
    for (const auto& g : graphs) QVERIFY(g.nodes.size() >= 20 && g.nodes.size() <= 30);
    QVERIFY(weft_web({"web", "report", path, "--json"}).find("\"samples\": 6") != std::string::npos);
    std::remove(path.c_str());
  }

  void report_on_the_paper_file() {
    const std::string text =
        weft_web({"web", "report", std::string(WEFT_SHARED_DIR) + "/fixtures/spiderweb_transformer/dataset_webs_format_sample.pt"});
    QVERIFY(text.find("4 samples") != std::string::npos);
  }

  void through_the_command_group() {
    // What weft's main() does: the web group declares its commands, is selected, and runs.
    const std::string path = temp_path("g.safetensors");
    CLI::App app{"weft"};
    auto group = weft::cli::web_commands();
    group->add_to(app);
    std::vector<std::string> args = {"3", "--seed", "4", "--count", path, "-o", "dataset", "web"};  // reversed
    app.parse(args);
    QVERIFY(group->selected());
    weft::NullSink sink;
    weft::CancelToken cancel;
    weft::cli::Context ctx{1, true, sink, cancel};
    group->run(ctx);
    QCOMPARE(read_web_dataset(path).size(), std::size_t(4));
    std::remove(path.c_str());
  }

  void bad_requests() {
    QVERIFY_THROWS_EXCEPTION(weft::Error, weft_web({"web", "dataset", "-o", temp_path("d.txt")}));
    QVERIFY_THROWS_EXCEPTION(weft::Error, weft_web({"web", "report", "/nonexistent/d.pt"}));
    QVERIFY_THROWS_EXCEPTION(weft::Error, weft_web({"web", "dataset", "-o", temp_path("e.json"), "--min-nodes", "30",
                                                    "--max-nodes", "10"}));
    QVERIFY_THROWS_EXCEPTION(CLI::ParseError, weft_web({"web", "dataset", "--count", "3"}));  // no -o
  }
};

QTEST_GUILESS_MAIN(TestWebCli)
#include "test_web_cli.moc"
