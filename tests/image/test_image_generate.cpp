// The image generate job end to end: model JSON + fixture weights, determinism, previews, cancel, bad input.
#include <torch/torch.h>  // before Qt: Qt's `slots` macro breaks LibTorch headers

#include <QTemporaryDir>
#include <QtTest>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "common/error.h"
#include "fixture_util.h"
#include "image/edit.h"
#include "image/generate.h"
#include "image/png_io.h"
#include "image/result_files.h"

using namespace weft;
using namespace weft::image;

namespace {

struct RecordingSink : ProgressSink {
  std::vector<Preview> previews;
  std::vector<double> fractions;
  std::function<void(const Preview&)> on_preview;
  void progress(double f, std::string_view) override { fractions.push_back(f); }
  void preview(const Preview& p) override {
    previews.push_back(p);
    if (on_preview) on_preview(p);
  }
};

}  // namespace

class TestImageGenerate : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  std::string model_;

  GenerateRequest request() const {
    GenerateRequest r;
    r.model = model_;
    r.class_id = 3;
    r.seed = 42;
    r.count = 2;
    r.top_k = 0;
    r.top_p = 0.0;
    return r;
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    auto j = test::fixture_config().to_json();
    j["weights"] = {{"vqvae", test::fixture("vqvae/weights.safetensors")}, {"var", test::fixture("transformer/weights.pth")}};
    model_ = dir_.filePath("fixture_model.json").toStdString();
    std::ofstream(model_) << j.dump(2);
  }

  void requestJsonRoundTrip() {
    auto r = request();
    r.seed = 0xFEDCBA9876543210ull;  // all 64 bits survive
    r.preview = PreviewMode::Fast;
    r.top_p = 0.9;
    const auto back = GenerateRequest::from_json(r.to_json());
    QCOMPARE(back.to_json(), r.to_json());
    QCOMPARE(back.seed, r.seed);
    auto bad = r.to_json();
    bad["top_p"] = 2.0;
    QVERIFY_THROWS_EXCEPTION(Error, GenerateRequest::from_json(bad));
    bad = r.to_json();
    bad["preview"] = "sometimes";
    QVERIFY_THROWS_EXCEPTION(Error, GenerateRequest::from_json(bad));
    bad = r.to_json();
    bad["count"] = "two";
    QVERIFY_THROWS_EXCEPTION(Error, GenerateRequest::from_json(bad));
  }

  void sameRequestSameOutput() {
    RecordingSink s1, s2, s3;
    CancelToken c;
    auto a = generate(request(), s1, c);
    auto b = generate(request(), s2, c);
    QCOMPARE(int(a.images.size()), 2);
    QCOMPARE(a.images[0].width, 64);
    QCOMPARE(a.images[0].channels, 3);
    QCOMPARE(int(a.images[0].pixels.size()), 64 * 64 * 3);
    QVERIFY(a.images[0].pixels == b.images[0].pixels && a.images[1].pixels == b.images[1].pixels);
    QVERIFY(a.tokens == b.tokens);
    QCOMPARE(a.to_json()["weft"]["request"], request().to_json());
    auto other = request();
    other.seed = 43;
    auto d = generate(other, s3, c);
    QVERIFY(d.tokens != a.tokens);
    QVERIFY(d.images[0].pixels != a.images[0].pixels);
  }

  void onePreviewPerScale() {
    // Fast twice: its first use in a process fits the latent→RGB map (one decoder pass), later uses do not.
    for (auto mode : {PreviewMode::Full, PreviewMode::Fast, PreviewMode::Fast, PreviewMode::None}) {
      RecordingSink s;
      CancelToken c;
      auto r = request();
      r.preview = mode;
      const auto t0 = std::chrono::steady_clock::now();
      auto res = generate(r, s, c);
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      std::printf("  preview %-4s: %5.1f ms total, %5.1f ms in previews, %d previews\n", preview_mode_name(mode), ms,
                  res.preview_seconds * 1e3, int(s.previews.size()));
      if (mode == PreviewMode::None) {
        QCOMPARE(int(s.previews.size()), 0);
        continue;
      }
      QCOMPARE(int(s.previews.size()), 4);
      for (int k = 0; k < 4; ++k) {
        QCOMPARE(s.previews[k].step, k);
        QCOMPARE(s.previews[k].steps, 4);
        QCOMPARE(s.previews[k].image.width, 2 * 64);  // the batch side by side
        QCOMPARE(s.previews[k].image.height, 64);
        QCOMPARE(int(s.previews[k].image.pixels.size()), 2 * 64 * 64 * 3);
      }
      // In full mode the last preview is the final image.
      if (mode == PreviewMode::Full) QCOMPARE(s.previews.back().image.pixels[0], res.images[0].pixels[0]);
      QCOMPARE(s.fractions.back(), 1.0);
    }
  }

  // With top_k = 1 each image is the official greedy sample, whatever else is in the batch.
  void greedyMatchesFixture() {
    auto r = request();
    r.top_k = 1;
    r.cfg = 1.5;
    r.count = 1;
    RecordingSink s;
    CancelToken c;
    auto res = generate(r, s, c);
    auto ref = test::read_io("transformer/io.safetensors")["gen_img"][0];  // class 3, in [0,1]
    auto want = ref.mul(255).round().to(torch::kInt).permute({1, 2, 0}).contiguous();
    auto got = torch::from_blob(res.images[0].pixels.data(), {64, 64, 3}, torch::kUInt8).to(torch::kInt);
    QVERIFY((got - want).abs().max().item<int>() <= 1);
  }

  void pngMetadataRoundTrip() {
    RecordingSink s;
    CancelToken c;
    auto r = request();
    r.count = 1;
    r.preview = PreviewMode::None;
    auto res = generate(r, s, c);
    const auto meta = res.to_json().dump(-1, ' ', true);
    const auto png = encode_png(res.images[0], {{"weft", meta}});
    const auto text = read_png_text(png);
    QCOMPARE(text.at("weft"), meta);
    const auto back = GenerateRequest::from_json(parse_json(text.at("weft"), "png").at("weft").at("request"));
    QCOMPARE(back.to_json(), r.to_json());
    QVERIFY_THROWS_EXCEPTION(Error, read_png_text(std::vector<std::uint8_t>(png.begin(), png.begin() + 5)));
    auto truncated = std::vector<std::uint8_t>(png.begin(), png.begin() + 40);
    QVERIFY_THROWS_EXCEPTION(Error, read_png_text(truncated));
    // Through the files every front-end writes: atomic PNGs whose metadata repeats the job.
    const auto paths = save_result(res, dir_.filePath("saved/sub").toStdString(), "x");
    QCOMPARE(int(paths.size()), 1);
    const auto stored = read_png_metadata(paths[0]);
    QCOMPARE(stored["job"].get<std::string>(), std::string("image-generate"));
    QCOMPARE(GenerateRequest::from_json(stored["request"]).to_json(), r.to_json());
    QVERIFY_THROWS_EXCEPTION(Error, read_png_metadata(model_));
  }

  void cancelBetweenScales() {
    RecordingSink s;
    CancelToken c;
    s.on_preview = [&](const Preview& p) {
      if (p.step == 1) c.request(CancelToken::Mode::Now);
    };
    QVERIFY_THROWS_EXCEPTION(Cancelled, generate(request(), s, c));
    QCOMPARE(int(s.previews.size()), 2);  // stopped before scale 3
  }

  void cancelAfterCurrentBatch() {
    RecordingSink s;
    CancelToken c;
    auto r = request();
    r.batch = 1;
    r.count = 3;
    s.on_preview = [&](const Preview&) { c.request(CancelToken::Mode::AfterCurrent); };
    auto res = generate(r, s, c);
    QCOMPARE(int(res.images.size()), 1);
    QCOMPARE(int(s.previews.size()), 4);
  }

  // In-/out-painting through the job: kept tokens stay whatever the seed, repainted ones change.
  void editJob() {
    auto img = test::read_io("vqvae/io.safetensors")["img"][0].add(1).mul(0.5);  // (3, 64, 64) in [0,1]
    PreviewImage pic;
    pic.width = pic.height = 64;
    auto u8 = img.mul(255).round().to(torch::kUInt8).permute({1, 2, 0}).contiguous();
    pic.pixels.assign(u8.data_ptr<uint8_t>(), u8.data_ptr<uint8_t>() + u8.numel());
    const auto png = encode_png(pic);
    const auto path = dir_.filePath("input.png").toStdString();
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(png.data()), png.size());

    EditRequest e;
    e.generate = request();
    e.image = path;
    e.outpaint = true;  // keep the box, repaint the rest
    e.x0 = e.y0 = 0.0;
    e.x1 = e.y1 = 1.0;  // keep everything: a reconstruction, whatever the seed
    RecordingSink s;
    CancelToken c;
    auto all1 = edit(e, s, c);
    e.generate.seed = 99;
    auto all2 = edit(e, s, c);
    QVERIFY(all1.tokens[0] == all2.tokens[1]);
    QVERIFY(all1.images[0].pixels == all2.images[1].pixels);

    e.outpaint = false;  // inpaint the right half (latent columns 2..3)
    e.x0 = 0.5;
    auto a = edit(e, s, c);
    e.generate.seed = 7;
    auto b = edit(e, s, c);
    int changed = 0;
    for (int img_i = 0; img_i < 2; ++img_i) {
      const auto& ta = a.tokens[img_i].back();  // last scale, 4×4 row-major
      const auto& tb = b.tokens[img_i].back();
      for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x) {
          if (x < 2) QCOMPARE(ta[y * 4 + x], all1.tokens[0].back()[y * 4 + x]);
          else changed += ta[y * 4 + x] != tb[y * 4 + x];
        }
    }
    QVERIFY(changed > 0);
    const auto meta = a.to_json()["weft"];
    QCOMPARE(meta["job"].get<std::string>(), std::string("image-edit"));
    QCOMPARE(EditRequest::from_json(meta["request"]).to_json(), meta["request"]);

    e.image = dir_.filePath("missing.png").toStdString();
    QVERIFY_THROWS_EXCEPTION(Error, edit(e, s, c));
    e.image = model_;  // not a picture
    QVERIFY_THROWS_EXCEPTION(Error, edit(e, s, c));
    e.image = path;
    e.x1 = 0.2;  // x1 < x0
    QVERIFY_THROWS_EXCEPTION(Error, edit(e, s, c));
  }

  void badInput() {
    RecordingSink s;
    CancelToken c;
    auto r = request();
    r.class_id = 10;
    try {
      generate(r, s, c);
      QFAIL("class out of range must fail");
    } catch (const Error& e) {
      QVERIFY(std::string(e.what()).find("out of range") != std::string::npos);
    }
    r = request();
    r.model = dir_.filePath("missing.json").toStdString();
    QVERIFY_THROWS_EXCEPTION(Error, generate(r, s, c));
    // A model JSON whose weights belong to the other network.
    auto j = test::fixture_config().to_json();
    j["weights"] = {{"vqvae", test::fixture("transformer/weights.safetensors")}, {"var", test::fixture("transformer/weights.pth")}};
    const auto wrong = dir_.filePath("wrong.json").toStdString();
    std::ofstream(wrong) << j.dump();
    r.model = wrong;
    try {
      generate(r, s, c);
      QFAIL("wrong checkpoint must fail");
    } catch (const Error& e) {
      QVERIFY(std::string(e.what()).find("missing") != std::string::npos);
    }
  }
};

QTEST_GUILESS_MAIN(TestImageGenerate)
#include "test_image_generate.moc"
