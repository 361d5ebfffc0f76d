// Image training end to end on tiny data: picture folders (classes, bad files), Fashion-MNIST loading, the two
// training stages, checkpoints, cancel + resume giving the same weights as an uninterrupted run, bad requests.
#include <torch/torch.h>  // before Qt: Qt's `slots` macro breaks LibTorch headers

#include <QTemporaryDir>
#include <QtTest>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/safetensors.h"
#include "image/classifier.h"
#include "image/emoji_data.h"
#include "image/evaluate.h"
#include "image/generate.h"
#include "image/image_data.h"
#include "image/model_io.h"
#include "image/png_io.h"
#include "image/sampler.h"
#include "image/train_image.h"

using namespace weft;
using namespace weft::image;
namespace fs = std::filesystem;

namespace {

struct MetricSink : ProgressSink {
  std::map<std::string, std::vector<double>> series;
  std::function<void(const MetricPoint&)> on_metric;
  void progress(double, std::string_view) override {}
  void metric(const MetricPoint& p) override {
    series[p.series].push_back(p.y);
    if (on_metric) on_metric(p);
  }
};

// 16 px pictures: "bright" ones are light discs on dark, "dark" ones dark squares on light; positions vary.
PreviewImage picture(bool bright, int variant) {
  PreviewImage img;
  img.width = img.height = 16;
  img.channels = 3;
  img.pixels.resize(16 * 16 * 3);
  const int cx = 5 + variant % 6, cy = 5 + (variant / 6) % 6;
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 16; ++x) {
      const bool inside = bright ? (x - cx) * (x - cx) + (y - cy) * (y - cy) < 12 : std::abs(x - cx) < 4 && std::abs(y - cy) < 4;
      const uint8_t v = bright ? (inside ? 230 : 20) : (inside ? 30 : 220);
      for (int c = 0; c < 3; ++c) img.pixels[size_t((y * 16 + x) * 3 + c)] = uint8_t(v + c * 10);
    }
  return img;
}

Json tiny_config() {
  ModelConfig c;
  c.patch_nums = {1, 2, 4};
  c.vqvae.vocab_size = 32;
  c.vqvae.z_channels = 8;
  c.vqvae.ch = 32;
  c.vqvae.ch_mult = {1, 1, 1};
  c.vqvae.num_res_blocks = 1;
  c.vqvae.using_sa = false;
  c.vqvae.using_mid_sa = false;
  c.var.depth = 1;
  c.var.embed_dim = 32;
  c.var.num_heads = 2;
  return c.to_json();
}

}  // namespace

namespace {
// A contact sheet to look at (WEFT_EMOJI_SHEET=file.png): the first 40 pictures, 10 a row.
void write_sheet(const ImageSet& set, const std::string& path) {
  const int n = int(std::min<int64_t>(40, set.count())), s = int(set.images.size(2));
  PreviewImage sheet;
  sheet.width = 10 * s;
  sheet.height = (n + 9) / 10 * s;
  sheet.pixels.assign(std::size_t(sheet.width * sheet.height * 3), 0);
  auto px = set.images.accessor<uint8_t, 4>();
  for (int i = 0; i < n; ++i)
    for (int y = 0; y < s; ++y)
      for (int x = 0; x < s; ++x)
        for (int c = 0; c < 3; ++c)
          sheet.pixels[std::size_t(((i / 10 * s + y) * sheet.width + i % 10 * s + x) * 3 + c)] =
              px[i][std::min<int64_t>(c, set.images.size(1) - 1)][y][x];
  const auto png = encode_png(sheet);
  write_file_atomic(path, std::string(png.begin(), png.end()));
}
}  // namespace

class TestImageTrain : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  std::string data_;

  ImageTrainRequest request(const std::string& out) const {
    ImageTrainRequest r;
    r.data = data_;
    r.out = dir_.filePath(QString::fromStdString(out)).toStdString();
    r.config = tiny_config();
    r.batch = 8;
    r.tokenizer_epochs = 10;
    r.transformer_epochs = 4;
    r.warmup_steps = 5;
    r.tokenizer_lr = 2e-3;
    r.transformer_lr = 2e-3;
    r.val_count = 8;
    r.seed = 11;
    return r;
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    data_ = dir_.filePath("pictures").toStdString();
    for (const char* cls : {"bright", "dark"}) {
      fs::create_directories(data_ + "/" + cls);
      for (int i = 0; i < 36; ++i)
        write_file_atomic(data_ + "/" + cls + "/" + std::to_string(i) + ".png",
                          std::string_view(reinterpret_cast<const char*>(encode_png(picture(cls[0] == 'b', i)).data()),
                                           encode_png(picture(cls[0] == 'b', i)).size()));
    }
    write_file_atomic(data_ + "/dark/broken.png", "\x89PNG\r\n\x1a\n but then nothing a decoder accepts");
    write_file_atomic(data_ + "/bright/notes.txt", "not a picture");
  }

  void folderLoadsWithClassesAndReportsBadFiles() {
    const ImageSet set = load_image_set({data_, 16, 3, 0});
    QCOMPARE(set.count(), int64_t(72));
    QCOMPARE(set.class_names, (std::vector<std::string>{"bright", "dark"}));
    QCOMPARE(set.labels.eq(0).sum().item<int64_t>(), int64_t(36));
    QCOMPARE(set.skipped.size(), size_t(2));
    const std::string all = set.skipped[0] + set.skipped[1];
    QVERIFY(all.find("broken.png") != std::string::npos && all.find("notes.txt") != std::string::npos);
    // A bright picture's centre pixel is light, a dark one's dark: pixels and labels stay paired.
    QVERIFY(set.images[0][0][10][10].item<int>() > 0);
    QCOMPARE(load_image_set({data_, 16, 1, 10}).count(), int64_t(10));
    QCOMPARE(load_image_set({data_, 16, 1, 10}).images.size(1), int64_t(1));
  }

  void fashionMnistLoads() {
    if (!fs::exists(fashion_mnist_dir() + "/t10k-images-idx3-ubyte.gz"))
      QSKIP("dataset-fashion-mnist is not installed");
    const ImageSet set = load_image_set({"fashion-mnist:test", 32, 3, 100});
    QCOMPARE(set.count(), int64_t(100));
    QCOMPARE(set.images.sizes().vec(), (std::vector<int64_t>{100, 3, 32, 32}));
    QCOMPARE(set.class_names.size(), size_t(10));
    QVERIFY(set.labels.min().item<int64_t>() >= 0 && set.labels.max().item<int64_t>() <= 9);
    QCOMPARE(set.images.slice(2, 0, 2).max().item<int>(), 0);  // the 2 px padding rows are black
    QVERIFY(set.images.max().item<int>() > 200);                // and the garments are not
    // The first test picture is an ankle boot (label 9) in the official file.
    QCOMPARE(set.labels[0].item<int64_t>(), int64_t(9));
  }

  // Noto Color Emoji by theme: 10 classes in turn, colour glyphs on white, the same pictures for the same call,
  // other arrangements in the test split; a missing or non-colour font is an error naming the file.
  void notoEmojiLoads() {
    if (!fs::exists(noto_emoji_font())) QSKIP("fonts-noto-color-emoji is not installed");
    const ImageSet set = load_image_set({"noto-emoji", 32, 3, 40});
    QCOMPARE(set.images.sizes().vec(), (std::vector<int64_t>{40, 3, 32, 32}));
    QCOMPARE(set.class_names.size(), size_t(10));
    QCOMPARE(set.class_names[2], std::string("animal"));
    for (int i = 0; i < 40; ++i) QCOMPARE(set.labels[i].item<int64_t>(), int64_t(i % 10));
    const auto img = set.images.to(torch::kFloat);
    // Mostly white (the background), but every picture has ink, and most have colour (red ≠ blue somewhere).
    QVERIFY(img.mean().item<double>() > 150);
    if (const char* out = std::getenv("WEFT_EMOJI_SHEET")) write_sheet(set, out);
    const auto ink = (img.amin(1) < 200).flatten(1).any(1);  // not white somewhere
    QVERIFY(ink.all().item<bool>());
    const auto colourful = (img.select(1, 0) - img.select(1, 2)).abs().amax({1, 2}) > 40;
    QVERIFY(colourful.to(torch::kFloat).mean().item<double>() > 0.8);
    QVERIFY(torch::equal(set.images, load_image_set({"noto-emoji", 32, 3, 40}).images));
    QVERIFY(!torch::equal(set.images, load_image_set({"noto-emoji:test", 32, 3, 40}).images));
    QCOMPARE(load_image_set({"noto-emoji:test", 16, 1, 10}).images.sizes().vec(), (std::vector<int64_t>{10, 1, 16, 16}));
    for (const std::string& font : {dir_.filePath("none.ttf").toStdString(),
                                   std::string("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")}) {
      if (!fs::exists(font) && font.find("DejaVu") != std::string::npos) continue;
      qputenv("WEFT_EMOJI_FONT", QByteArray::fromStdString(font));
      try {
        load_image_set({"noto-emoji", 32, 3, 10});
        QFAIL("a missing or non-colour font was accepted");
      } catch (const Error& e) {
        QVERIFY2(std::string(e.what()).find(font) != std::string::npos, e.what());
      }
    }
    qunsetenv("WEFT_EMOJI_FONT");
  }

  void truncatedFashionFileIsAnError() {
    const std::string dir = dir_.filePath("fm").toStdString();
    fs::create_directories(dir);
    write_file_atomic(dir + "/t10k-images-idx3-ubyte.gz", std::string("\x00\x00\x08\x03\x00\x00\x00\x05", 8));
    write_file_atomic(dir + "/t10k-labels-idx1-ubyte.gz", std::string("\x00\x00\x08\x01\x00\x00\x00\x05", 8));
    qputenv("WEFT_FASHION_MNIST_DIR", QByteArray::fromStdString(dir));
    try {
      load_image_set({"fashion-mnist:test", 32, 3, 0});
      QFAIL("a truncated IDX file was accepted");
    } catch (const Error& e) {
      QVERIFY(std::string(e.what()).find("t10k-images") != std::string::npos);
    }
    qunsetenv("WEFT_FASHION_MNIST_DIR");
  }

  void trainingLearnsAndTheModelGenerates() {
    MetricSink sink;
    CancelToken cancel;
    auto req = request("model_a");
    ImageTrainResult res;
    try {
      res = train_image_model(req, sink, cancel);
    } catch (const std::exception& e) {
      QFAIL(e.what());
    }
    QCOMPARE(res.skipped.size(), size_t(2));
    QCOMPARE(res.tokenizer_steps, 10 * (int(72 - 7) / 8));  // 65 training pictures, 7 held out
    const auto& tok = sink.series["tokenizer loss"];
    const auto& var = sink.series["transformer loss"];
    QVERIFY(tok.size() >= 4 && var.size() >= 4);
    QVERIFY2(tok.back() < 0.5 * tok.front(), (std::to_string(tok.front()) + " → " + std::to_string(tok.back())).c_str());
    QVERIFY2(var.back() < var.front() - 0.3, (std::to_string(var.front()) + " → " + std::to_string(var.back())).c_str());
    QVERIFY(res.tokenizer_val_mse >= 0 && res.tokenizer_val_mse < 0.2);
    QVERIFY(res.code_usage > 0 && res.code_usage <= 1);
    QVERIFY(res.transformer_val_accuracy > 1.0 / 32);  // better than chance over 32 codes
    QVERIFY(fs::exists(req.out + "/tokenizer_loss.csv") && fs::exists(req.out + "/transformer.ckpt.safetensors"));

    GenerateRequest g;
    g.model = res.model_json;
    g.class_id = 1;
    g.count = 2;
    NullSink quiet;
    const auto gen = generate(g, quiet, cancel);
    QCOMPARE(gen.images.size(), size_t(2));
    QCOMPARE(gen.images[0].width, 16);
    const Json model = parse_json(read_file(res.model_json), "model");
    QCOMPARE(model.at("class_names").get<std::vector<std::string>>(), (std::vector<std::string>{"bright", "dark"}));
    QCOMPARE(model.at("training").at("weft").at("job").get<std::string>(), std::string("image-train"));
  }

  void frechetDistanceOfKnownGaussians() {
    auto gen = at::detail::createCPUGenerator(5);
    auto a = torch::randn({20000, 3}, gen);
    QVERIFY(frechet_distance(a, a) < 1e-6);
    // Same covariance, mean shifted by (3, 0, 0): distance |Δμ|² = 9.
    auto shifted = a + torch::tensor({3.0f, 0.0f, 0.0f});
    QVERIFY(std::abs(frechet_distance(a, shifted) - 9.0) < 1e-6);
    // Standard deviation 2 in every axis: (1 + 4 − 2·2) · 3 = 3, up to sampling noise.
    auto b = torch::randn({20000, 3}, gen) * 2;
    QVERIFY2(std::abs(frechet_distance(a, b) - 3.0) < 0.15, std::to_string(frechet_distance(a, b)).c_str());
    QVERIFY_THROWS_EXCEPTION(Error, frechet_distance(a, torch::randn({10, 4})));
  }

  void classifierAndEvaluation() {
    CancelToken cancel;
    NullSink quiet;
    ClassifierTrainRequest k;
    k.data = data_;
    k.size = 16;
    k.epochs = 6;
    k.batch = 16;
    k.out = dir_.filePath("model_a/classifier.safetensors").toStdString();
    const auto trained = train_classifier(k, quiet, cancel);
    QCOMPARE(trained.classes, 2);
    QVERIFY2(trained.test_accuracy >= 0.9, std::to_string(trained.test_accuracy).c_str());  // discs vs squares

    ImageEvalRequest e;
    e.model = dir_.filePath("model_a/model.json").toStdString();
    e.reference = data_;
    e.train_data = data_;
    e.per_class = 8;
    const auto res = evaluate_image_model(e, quiet, cancel);
    QCOMPARE(res.samples, 16);
    QCOMPARE(res.per_class.size(), size_t(2));
    QVERIFY(res.class_consistency >= 0 && res.class_consistency <= 1);
    QVERIFY(res.frechet > 0 && res.frechet_real >= 0 && res.frechet_reconstructed >= 0);
    QVERIFY(res.classifier_accuracy >= 0.9);
    QVERIFY(res.table().find("bright") != std::string::npos);
    // Same request, same figures.
    QCOMPARE(evaluate_image_model(e, quiet, cancel).frechet, res.frechet);

    // A classifier for another picture size is refused with both sizes named.
    k.size = 32;
    k.epochs = 1;
    k.out = dir_.filePath("classifier32.safetensors").toStdString();
    train_classifier(k, quiet, cancel);
    e.classifier = k.out;
    try {
      evaluate_image_model(e, quiet, cancel);
      QFAIL("a 32 px classifier was accepted for a 16 px model");
    } catch (const Error& err) {
      QVERIFY(std::string(err.what()).find("32 px") != std::string::npos);
    }
  }

  // The raster-order baseline reuses the tokenizer, trains token by token, and its cached one-token-at-a-time
  // sampler sees exactly what teacher forcing sees: with every token forced, the logits of each step equal the
  // uncached forward pass.
  void rasterBaselineMatchesTeacherForcing() {
    CancelToken cancel;
    NullSink quiet;
    auto req = request("raster");
    req.order = "raster";
    req.tokenizer = dir_.filePath("model_a/vae.safetensors").toStdString();
    req.max_steps = 10;
    const auto res = train_image_model(req, quiet, cancel);
    QCOMPARE(res.tokenizer_steps, 0);
    QCOMPARE(res.transformer_steps, 10);
    auto model = load_image_model(res.model_json);
    QVERIFY(model->config.var.raster);
    QCOMPARE(parse_json(read_file(res.model_json), "m").at("var").at("order").get<std::string>(), std::string("raster"));

    torch::NoGradGuard no_grad;
    const ImageSet set = load_image_set({data_, 16, 3, 2});
    auto idx = model->vqvae->img_to_idx(to_unit_range(set.images));
    auto tokens = torch::cat(idx, 1);
    const auto L = tokens.size(1);
    auto x = model->vqvae->codebook().index_select(0, tokens.slice(1, 0, L - 1).reshape(-1)).view({2, L - 1, -1});
    auto teacher = model->var->forward(set.labels, x);

    SampleOptions o;
    o.labels = {set.labels[0].item<int64_t>(), set.labels[1].item<int64_t>()};
    o.cfg = 0;
    o.record_logits = true;
    o.keep_tokens = idx;
    o.keep_mask = torch::ones({4, 4});
    auto gen = at::detail::createCPUGenerator(1);
    at::Generator g(gen);
    const auto trace = sample(*model->var, *model->vqvae, o, g);
    auto cached = torch::cat(trace.logits, 1);
    QCOMPARE(cached.sizes().vec(), teacher.sizes().vec());
    const double diff = (cached - teacher).abs().max().item<double>();
    QVERIFY2(diff < 1e-4, std::to_string(diff).c_str());
    QVERIFY(torch::equal(torch::cat(trace.idx, 1), tokens));

    // Plain generation works through the same job as next-scale models.
    GenerateRequest gr;
    gr.model = res.model_json;
    gr.count = 1;
    QCOMPARE(generate(gr, quiet, cancel).images.size(), size_t(1));
    req.stage = "tokenizer";
    QVERIFY_THROWS_EXCEPTION(Error, req.validate());
  }

  void cancelThenResumeEqualsUninterrupted() {
    CancelToken cancel;
    auto full = request("full");
    full.max_steps = 12;
    MetricSink quiet;
    train_image_model(full, quiet, cancel);

    auto part = request("part");
    part.max_steps = 12;
    MetricSink stopper;
    CancelToken stop;
    int seen = 0;
    stopper.on_metric = [&](const MetricPoint& p) {
      if (p.series == "transformer loss" && ++seen == 1) stop.request(CancelToken::Mode::Now);
    };
    QVERIFY_THROWS_EXCEPTION(Cancelled, train_image_model(part, stopper, stop));
    QVERIFY(fs::exists(part.out + "/transformer.ckpt.safetensors"));
    QVERIFY(!fs::exists(part.out + "/model.json"));
    part.resume = true;
    train_image_model(part, quiet, cancel);
    for (const char* file : {"/vae.safetensors", "/var.safetensors"}) {
      const auto a = read_safetensors(full.out + file).tensors, b = read_safetensors(part.out + file).tensors;
      QCOMPARE(a.size(), b.size());
      for (size_t i = 0; i < a.size(); ++i) {
        QCOMPARE(a[i].name, b[i].name);
        QVERIFY2(a[i].tensor.data == b[i].tensor.data, (std::string(file) + " " + a[i].name).c_str());
      }
    }
  }

  // transformer_init: a second run starts from the first run's transformer (not from a fresh initialisation), so
  // with a vanishing learning rate it ends where the first ended; weights of another shape are refused by name.
  void transformerStartsFromGivenWeights() {
    CancelToken cancel;
    MetricSink quiet;
    auto first = request("init_first");
    first.max_steps = 16;
    const auto a = train_image_model(first, quiet, cancel);

    auto more = request("init_more");
    more.stage = "transformer";
    more.tokenizer = first.out + "/vae.safetensors";
    more.transformer_init = first.out + "/var.safetensors";
    more.max_steps = 1;
    more.warmup_steps = 0;
    more.transformer_lr = 1e-9;
    const auto b = train_image_model(more, quiet, cancel);
    auto fresh = more;
    fresh.out = dir_.filePath("init_fresh").toStdString();
    fresh.transformer_init.clear();
    const auto c = train_image_model(fresh, quiet, cancel);
    QVERIFY2(std::abs(b.transformer_val_loss - a.transformer_val_loss) < 1e-3,
             (std::to_string(a.transformer_val_loss) + " vs " + std::to_string(b.transformer_val_loss)).c_str());
    QVERIFY2(c.transformer_val_loss > a.transformer_val_loss + 0.2,
             (std::to_string(c.transformer_val_loss) + " fresh vs " + std::to_string(a.transformer_val_loss)).c_str());
    QCOMPARE(QString::fromStdString(parse_json(read_file(b.model_json), "model")
                                        .at("training").at("weft").at("request").at("transformer_init")),
             QString::fromStdString(more.transformer_init));

    auto wrong = more;
    wrong.out = dir_.filePath("init_wrong").toStdString();
    wrong.transformer_init = first.out + "/vae.safetensors";
    try {
      train_image_model(wrong, quiet, cancel);
      QFAIL("tokenizer weights were accepted as a transformer");
    } catch (const Error& e) {
      QVERIFY2(std::string(e.what()).find("vae.safetensors") != std::string::npos, e.what());
    }
    wrong.transformer_init = more.transformer_init;
    wrong.resume = true;
    QVERIFY_THROWS_EXCEPTION(Error, wrong.validate());
  }

  void badRequestsAreClearErrors() {
    CancelToken cancel;
    MetricSink sink;
    auto r = request("bad");
    r.stage = "everything";
    QVERIFY_THROWS_EXCEPTION(Error, train_image_model(r, sink, cancel));
    r = request("no_tokenizer");
    r.stage = "transformer";
    try {
      train_image_model(r, sink, cancel);
      QFAIL("transformer stage without a tokenizer was accepted");
    } catch (const Error& e) {
      QVERIFY(std::string(e.what()).find("tokenizer") != std::string::npos);
    }
    r = request("empty");
    const std::string empty = dir_.filePath("empty_folder").toStdString();
    fs::create_directories(empty);
    write_file_atomic(empty + "/readme.txt", "nothing here");
    r.data = empty;
    try {
      train_image_model(r, sink, cancel);
      QFAIL("a folder without pictures was accepted");
    } catch (const Error& e) {
      QVERIFY(std::string(e.what()).find("no readable pictures") != std::string::npos);
    }
    r = request("json");
    QVERIFY_THROWS_EXCEPTION(Error, ImageTrainRequest::from_json({{"out", "x"}, {"batch", 0}}));
    QCOMPARE(ImageTrainRequest::from_json(r.to_json()).to_json(), r.to_json());
  }
};

QTEST_GUILESS_MAIN(TestImageTrain)
#include "test_image_train.moc"
