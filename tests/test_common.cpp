// core/common: cancel token, seeded RNG, atomic writes, JSON requests, BLAS report, torch bridge, matmul job.
// LibTorch before Qt: Qt's `slots` macro would break torch headers.
#include <torch/torch.h>

#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "common/atomic_file.h"
#include "common/blas_probe.h"
#include "common/cancel_token.h"
#include "common/json_io.h"
#include "common/rng.h"
#include "common/runtime.h"
#include "common/torch_bridge.h"

using namespace weft;

namespace {
struct CountingSink : ProgressSink {
  int calls = 0;
  double last = -1;
  void progress(double f, std::string_view) override {
    ++calls;
    last = f;
  }
};
struct CancelAfterSink : ProgressSink {
  CancelToken* token;
  int after;
  CancelToken::Mode mode;
  int calls = 0;
  CancelAfterSink(CancelToken* t, int n, CancelToken::Mode m) : token(t), after(n), mode(m) {}
  void progress(double, std::string_view) override {
    if (++calls == after) token->request(mode);
  }
};
}  // namespace

class TestCommon : public QObject {
  Q_OBJECT
 private slots:
  void cancelTokenEscalates() {
    CancelToken t;
    QVERIFY(!t.stop_after_current() && !t.stop_now());
    t.request(CancelToken::Mode::AfterCurrent);
    QVERIFY(t.stop_after_current() && !t.stop_now());
    t.request(CancelToken::Mode::Now);
    QVERIFY(t.stop_now());
    t.request(CancelToken::Mode::AfterCurrent);  // weaker request does not downgrade
    QVERIFY(t.stop_now());
    QVERIFY_THROWS_EXCEPTION(Cancelled, t.throw_if_stopped());
  }

  void rngIsSeededAndStable() {
    Rng a(42), b(42), c(43);
    std::vector<uint64_t> va, vb, vc;
    for (int i = 0; i < 16; ++i) {
      va.push_back(a.next_u64());
      vb.push_back(b.next_u64());
      vc.push_back(c.next_u64());
    }
    QVERIFY(va == vb);
    QVERIFY(va != vc);
    // splitmix64 reference value for seed 0 (first output): 0xE220A8397B1DCDAF.
    Rng z(0);
    QCOMPARE(z.next_u64(), 0xE220A8397B1DCDAFull);
    QVERIFY(Rng::derive(7, 0) != Rng::derive(7, 1));
    QCOMPARE(Rng::derive(7, 3), Rng::derive(7, 3));
    Rng r(5);
    for (int i = 0; i < 1000; ++i) {
      QVERIFY(r.below(10) < 10);
      double d = r.next_double();
      QVERIFY(d >= 0.0 && d < 1.0);
    }
  }

  void torchGeneratorIsSeeded() {
    auto x = torch::randn({8}, cpu_generator(1234));
    auto y = torch::randn({8}, cpu_generator(1234));
    auto z = torch::randn({8}, cpu_generator(1235));
    QVERIFY(torch::equal(x, y));
    QVERIFY(!torch::equal(x, z));
    // The full 64-bit seed matters, not only its low 32 bits.
    auto hi = torch::randn({8}, cpu_generator(1234 + (1ull << 40)));
    QVERIFY(!torch::equal(x, hi));
    // The parity generator matches torch.manual_seed(0): torch.randn(3) = [1.5410, -0.2934, -2.1788].
    auto ref = torch::randn({3}, torch_compatible_generator(0));
    QVERIFY(torch::allclose(ref, torch::tensor({1.5410f, -0.2934f, -2.1788f}), 0, 1e-4));
  }

  void atomicWriteReplacesOrLeavesUntouched() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("out.bin").toStdString();
    write_file_atomic(path, std::string_view("first"));
    QCOMPARE(read_file(path), std::string("first"));
    // A writer that fails half-way leaves the old content and no temporary file behind.
    QVERIFY_THROWS_EXCEPTION(Error, write_file_atomic(path, [](std::ostream& out) {
      out << "half of the new content";
      throw Error("simulated failure", "test");
    }));
    QCOMPARE(read_file(path), std::string("first"));
    QCOMPARE(int(std::distance(std::filesystem::directory_iterator(dir.path().toStdString()), {})), 1);
    write_file_atomic(path, std::string_view("second"));
    QCOMPARE(read_file(path), std::string("second"));
    // A missing folder is a clear error, not a crash.
    try {
      write_file_atomic(dir.filePath("no/such/dir/x.bin").toStdString(), std::string_view("x"));
      QFAIL("expected an error");
    } catch (const Error& e) {
      QVERIFY(std::string(e.what()).find("folder does not exist") != std::string::npos);
    }
    QVERIFY_THROWS_EXCEPTION(Error, read_file(dir.filePath("missing").toStdString()));
  }

  // The positional writer: ranges written out of order from several threads make the whole file; a fill that
  // throws half-way (after some ranges landed) leaves the old file and no temporary one.
  void positionalAtomicWriteFillsInAnyOrder() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("out.bin").toStdString();
    write_file_atomic(path, std::string_view("old"));
    std::string expected(1 << 20, '\0');
    for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = char('a' + (i * 7919) % 26);
    write_file_atomic_at(path, [&](const PositionalWriter& out) {
      constexpr std::size_t kPiece = 4096;
      std::vector<std::thread> workers;
      for (int w = 0; w < 4; ++w)
        workers.emplace_back([&, w] {  // descending, interleaved: no piece is written in file order
          for (std::size_t k = expected.size() / kPiece - 1 - w; k < expected.size() / kPiece; k -= 4)  // stops on wrap
            out.write_at(expected.data() + k * kPiece, kPiece, k * kPiece);
        });
      for (auto& t : workers) t.join();
    });
    QVERIFY(read_file(path) == expected);
    QVERIFY_THROWS_EXCEPTION(Error, write_file_atomic_at(path, [](const PositionalWriter& out) {
      out.write_at("new", 3, 0);
      throw Error("simulated failure", "test");
    }));
    QVERIFY(read_file(path) == expected);
    QCOMPARE(int(std::distance(std::filesystem::directory_iterator(dir.path().toStdString()), {})), 1);
  }

  void requestsRoundTripThroughJson() {
    MatmulProbeRequest r;
    r.size = 64;
    r.repeats = 3;
    r.seed = 0xFEDCBA9876543210ull;  // a full 64-bit seed survives JSON
    auto back = MatmulProbeRequest::from_json(parse_json(r.to_json().dump(), "test"));
    QCOMPARE(back.size, 64);
    QCOMPARE(back.repeats, 3);
    QCOMPARE(back.seed, r.seed);
    try {
      MatmulProbeRequest::from_json(parse_json(R"({"size": "big"})", "test"));
      QFAIL("expected an error");
    } catch (const Error& e) {
      QVERIFY(std::string(e.what()).find("\"size\"") != std::string::npos);
    }
    QVERIFY_THROWS_EXCEPTION(Error, MatmulProbeRequest::from_json(parse_json(R"({"size": 100000})", "t")));
    QVERIFY_THROWS_EXCEPTION(Error, parse_json("{not json", "t"));
  }

  void blasReportNamesTheLibrary() {
    BlasReport b = blas_report();
    QVERIFY2(!b.path.empty(), "sgemm_ should resolve to a shared library");
    QVERIFY(!b.library.empty());
    QCOMPARE(b.slow, b.library.find("reference") != std::string::npos);
    QCOMPARE(b.slow, !b.warning.empty());
    qInfo("BLAS: %s (%s)", b.library.c_str(), b.path.c_str());
  }

  void threadsSetting() {
    set_threads(1);
    QCOMPARE(threads(), 1);
    QVERIFY(!runtime_summary().empty());
    QCOMPARE(resolve_device("cpu"), std::string("cpu"));
    QVERIFY_THROWS_EXCEPTION(Error, resolve_device("tpu"));
    if (!cuda_available()) QVERIFY_THROWS_EXCEPTION(Error, resolve_device("cuda"));
  }

  void torchBridgeRoundTrip() {
    auto t = torch::arange(24, torch::kFloat).reshape({2, 3, 4}).transpose(1, 2);  // non-contiguous
    TensorRecord r = from_torch(t);
    QCOMPARE(r.shape, (std::vector<int64_t>{2, 4, 3}));
    QVERIFY(torch::equal(to_torch(r), t));
    for (auto dtype : {torch::kDouble, torch::kHalf, torch::kBFloat16, torch::kLong, torch::kInt, torch::kByte, torch::kBool}) {
      auto x = torch::arange(6).to(dtype);
      QVERIFY(torch::equal(to_torch(from_torch(x)), x));
    }
  }

  void loadIntoChecksNamesAndShapes() {
    torch::nn::Linear lin(3, 2);
    NamedTensors good{{"weight", from_torch(torch::ones({2, 3}))}, {"bias", from_torch(torch::zeros({2}))}};
    auto rep = load_into(*lin, good, true, "test.pth");
    QCOMPARE(rep.loaded, 2);
    QVERIFY(torch::equal(lin->weight, torch::ones({2, 3})));
    NamedTensors wrong{{"weight", from_torch(torch::ones({3, 3}))}, {"bias", from_torch(torch::zeros({2}))}};
    try {
      load_into(*lin, wrong, true, "test.pth");
      QFAIL("expected an error");
    } catch (const Error& e) {
      QVERIFY(std::string(e.what()).find("[3, 3]") != std::string::npos);
      QVERIFY(std::string(e.what()).find("weight") != std::string::npos);
    }
    NamedTensors missing{{"weight", from_torch(torch::ones({2, 3}))}};
    QVERIFY_THROWS_EXCEPTION(Error, load_into(*lin, missing, true, "test.pth"));
    QCOMPARE(int(load_into(*lin, missing, false, "test.pth").missing.size()), 1);
  }

  void matmulProbeRunsAndCancels() {
    MatmulProbeRequest req;
    req.size = 64;
    req.repeats = 5;
    CountingSink sink;
    CancelToken none;
    auto res = run_matmul_probe(req, sink, none);
    QCOMPARE(int(res.gflops.size()), 5);
    QVERIFY(res.median_gflops > 0);
    QCOMPARE(sink.last, 1.0);
    QCOMPARE(res.to_json()["weft"]["request"]["size"].get<int>(), 64);
    // Cancel after the current item: exactly the items begun before the request are done.
    CancelToken token;
    CancelAfterSink stopper(&token, 2, CancelToken::Mode::AfterCurrent);
    auto part = run_matmul_probe(req, stopper, token);
    QCOMPARE(int(part.gflops.size()), 2);
  }
};

QTEST_APPLESS_MAIN(TestCommon)
#include "test_common.moc"
