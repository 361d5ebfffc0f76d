// Video next-scale generation: the space-time pyramid, KV cache, determinism, previews, exports, clip data and
// bad inputs, on a small random-weight model (seconds).
#include <torch/torch.h>  // before Qt: Qt's `slots` macro breaks LibTorch headers

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "common/atomic_file.h"
#include "common/error.h"
#include "image/clip_data.h"
#include "image/clip_export.h"
#include "image/clip_motion.h"
#include "image/generate.h"
#include "image/model_io.h"
#include "image/result_files.h"
#include "image/train_image.h"
#include "video_util.h"

using namespace weft;
using namespace weft::image;

namespace {

struct RecordingSink : ProgressSink {
  std::vector<Preview> previews;
  void progress(double, std::string_view) override {}
  void preview(const Preview& p) override { previews.push_back(p); }
};

int count_frames(const std::string& path) {
  cv::VideoCapture cap(path, cv::CAP_FFMPEG);
  if (!cap.isOpened()) return -1;
  int n = 0;
  cv::Mat m;
  while (cap.read(m)) {
    if (m.cols != 16 || m.rows != 16) return -2;
    ++n;
  }
  return n;
}

// Centre of mass of the bright object in frame t of a (T, 3, S, S) uint8 clip.
std::pair<double, double> centroid(const torch::Tensor& clip, int t) {
  auto v = clip[t].to(torch::kFloat).amax(0);  // brightest channel
  auto w = (v > v.mean() + 40).to(torch::kFloat);
  const auto S = v.size(0);
  auto ys = torch::arange(S).to(torch::kFloat).view({S, 1}), xs = torch::arange(S).to(torch::kFloat).view({1, S});
  const double m = w.sum().item<double>();
  return {(w * xs).sum().item<double>() / m, (w * ys).sum().item<double>() / m};
}

}  // namespace

class TestVideo : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  std::string model_;

  GenerateRequest request() const {
    GenerateRequest r;
    r.model = model_;
    r.class_id = 1;
    r.seed = 42;
    r.count = 3;
    r.batch = 2;
    r.top_k = 0;
    r.top_p = 0;
    return r;
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    QDir(dir_.path()).mkpath("model");
    model_ = test::write_random_video_model(dir_.filePath("model").toStdString());
  }

  void configAndPyramid() {
    const auto tiny = tiny_video_config();
    QCOMPARE(tiny.tokens(), 1 + 4 + 18 + 32 + 144 + 256);
    QCOMPARE(ModelConfig::from_json(tiny.to_json()).to_json(), tiny.to_json());
    auto bad = tiny.to_json();
    bad["video"]["time_nums"] = std::vector<int>{1, 2, 1, 2, 4, 4};
    QVERIFY_THROWS_EXCEPTION(Error, ModelConfig::from_json(bad));
    bad = tiny.to_json();
    bad["video"]["frame_group"] = 3;  // 16 frames do not split into groups of 3
    QVERIFY_THROWS_EXCEPTION(Error, ModelConfig::from_json(bad));
    bad = tiny.to_json();
    bad["video"]["time_nums"] = std::vector<int>{1, 1, 2, 2, 4};  // one short
    QVERIFY_THROWS_EXCEPTION(Error, ModelConfig::from_json(bad));

    const auto cfg = test::small_video_config();
    torch::manual_seed(3);
    Vqvae vae(cfg);
    vae->eval();
    auto clip = torch::rand({2, 8, 3, 16, 16}) * 2 - 1;
    const auto idx = vae->img_to_idx(clip);
    QCOMPARE(int(idx.size()), 3);
    for (int si = 0; si < 3; ++si) {
      QCOMPARE(idx[si].size(0), 2);
      QCOMPARE(idx[si].size(1), int64_t(cfg.scale_tokens(si)));  // t·pn²: 1, 8, 64
    }
    // The quantizer's running f̂ equals what its indices rebuild, and decodes to a clip.
    const auto fhat = vae->f_to_fhat(vae->features(clip)).back();
    QCOMPARE(fhat.sizes(), (at::IntArrayRef{2, 8, 4, 4, 4}));
    QVERIFY(torch::allclose(fhat, vae->idx_to_fhat(idx).back(), 1e-5, 1e-5));
    const auto out = vae->fhat_to_img(fhat);
    QCOMPARE(out.sizes(), (at::IntArrayRef{2, 8, 3, 16, 16}));
    // A picture tensor is refused with a message naming the expected clip shape.
    try {
      vae->img_to_idx(torch::zeros({2, 3, 16, 16}));
      QFAIL("a picture was accepted by a clip tokenizer");
    } catch (const Error& e) {
      QVERIFY(QString(e.what()).contains("[B, 8, 3, 16, 16]"));
    }
  }

  void stepRatioSeesFrozenGroups() {
    // A bar sliding one pixel per frame moves evenly; the same bar held still within each group of 4 frames
    // and jumping 4 pixels between groups moves in steps.
    auto even = torch::zeros({2, 16, 1, 8, 24}, torch::kUInt8);
    auto stepped = even.clone();
    for (int t = 0; t < 16; ++t) {
      even.select(1, t).narrow(3, t, 4).fill_(255);
      stepped.select(1, t).narrow(3, t / 4 * 4, 4).fill_(255);
    }
    QVERIFY(std::abs(step_ratio(even, 4) - 1.0) < 1e-6);
    QVERIFY(frame_change(stepped) > 0);
    QCOMPARE(step_ratio(stepped, 4), -1.0);  // nothing moves inside a group: no ratio to take
    // Mostly frozen: a little flicker inside groups, the motion at the boundaries.
    auto flicker = stepped.clone();
    for (int t = 0; t < 16; t += 2) flicker.select(1, t).select(3, 23).fill_(255);
    const double r = step_ratio(flicker, 4);
    QVERIFY2(std::abs(r - 9.0) < 1e-4, qPrintable(QString::number(r)));  // (64 + 8) / 8 changed pixels
    QCOMPARE(step_ratio(even, 1), -1.0);
    QCOMPARE(step_ratio(even.narrow(1, 0, 4), 4), -1.0);  // one group only
  }

  void kvCacheEqualsFullForward() {
    const auto cfg = test::small_video_config();
    torch::manual_seed(5);
    Vqvae vae(cfg);
    Var var(cfg);
    vae->eval();
    var->eval();
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> idx;
    for (int si = 0; si < 3; ++si) idx.push_back(torch::randint(cfg.vqvae.vocab_size, {2, cfg.scale_tokens(si)}));
    const auto labels = torch::tensor({0L, 2L});
    const auto full = var->forward(labels, vae->idx_to_var_input(idx));
    QCOMPARE(full.size(1), int64_t(cfg.tokens()));
    const auto cond = var->condition(labels);
    KvCache cache;
    auto f_hat = vae->zero_fhat(2);
    auto x = var->start_tokens(cond);
    std::vector<torch::Tensor> steps;
    for (int si = 0; si < 3; ++si) {
      steps.push_back(var->step(x, cond, cache));
      auto next = vae->add_scale(si, f_hat, idx[si]);
      if (si + 1 < 3) x = var->embed_scale(si + 1, next);
    }
    const double diff = (torch::cat(steps, 1) - full).abs().max().item<double>();
    QVERIFY2(diff < 1e-4, qPrintable(QString("cached vs full logits differ by %1").arg(diff)));
  }

  void deterministicWithOneStripPerScale() {
    RecordingSink a, b, c;
    const auto r1 = generate_video(request(), a, CancelToken{});
    const auto r2 = generate_video(request(), b, CancelToken{});
    QCOMPARE(int(r1.clips.size()), 3);
    QVERIFY(r1.images.empty());
    QCOMPARE(r1.job, std::string("video-generate"));
    QCOMPARE(r1.fps, 6.0);
    for (const auto& clip : r1.clips) {
      QCOMPARE(int(clip.size()), 8);
      QCOMPARE(clip[0].width, 16);
      QCOMPARE(clip[0].height, 16);
    }
    bool same = true;
    for (size_t i = 0; i < r1.clips.size(); ++i)
      for (size_t t = 0; t < 8; ++t) same = same && r1.clips[i][t].pixels == r2.clips[i][t].pixels;
    QVERIFY(same);
    auto other = request();
    other.seed = 43;
    const auto r3 = generate_video(other, c, CancelToken{});
    bool differs = false;
    for (size_t t = 0; t < 8; ++t) differs = differs || r3.clips[0][t].pixels != r1.clips[0][t].pixels;
    QVERIFY(differs);
    // Two batches (2 + 1 clips) × 3 scales; each strip: one row of 8 frames per clip of the batch.
    QCOMPARE(int(a.previews.size()), 6);
    QCOMPARE(a.previews[0].steps, 3);
    QCOMPARE(a.previews[0].image.width, 8 * 16);
    QCOMPARE(a.previews[0].image.height, 2 * 16);
    QCOMPARE(a.previews[5].image.height, 1 * 16);
    // The last full preview is the result itself (the decoded final f̂).
    const auto& last = a.previews[5].image;
    const auto& frame = r1.clips[2][3];
    bool equal = true;
    for (int y = 0; y < 16; ++y)
      for (int x = 0; x < 16 * 3; ++x)
        equal = equal && last.pixels[size_t(y) * last.width * 3 + 3 * 16 * 3 + x] == frame.pixels[size_t(y) * 16 * 3 + x];
    QVERIFY(equal);
    // The fast preview has the same layout and does not change the clips.
    auto fast = request();
    fast.preview = PreviewMode::Fast;
    RecordingSink f;
    const auto r4 = generate_video(fast, f, CancelToken{});
    QCOMPARE(int(f.previews.size()), 6);
    QCOMPARE(f.previews[0].image.width, 8 * 16);
    QVERIFY(r4.clips[0][7].pixels == r1.clips[0][7].pixels);
  }

  void exportsReadBack() {
    NullSink quiet;
    auto r = request();
    r.count = 1;
    const auto res = generate_video(r, quiet, CancelToken{});
    const std::string out = dir_.filePath("out").toStdString();
    const auto mp4 = save_clips(res, out, "clip", ClipFormat::Mp4);
    const auto gif = save_clips(res, out, "clip", ClipFormat::Gif);
    const auto png = save_clips(res, out, "clip", ClipFormat::Png);
    QCOMPARE(count_frames(mp4[0]), 8);
    QCOMPARE(count_frames(gif[0]), 8);
    // Metadata: the MP4's sidecar, the GIF's comment and every frame PNG repeat the request.
    const Json side = parse_json(read_file(mp4[0] + ".json"), mp4[0]);
    QCOMPARE(side.at("weft").at("request").at("seed").get<std::uint64_t>(), r.seed);
    const Json comment = parse_json(read_gif_comment(gif[0]), gif[0]);
    QCOMPARE(comment.at("weft").at("job").get<std::string>(), std::string("video-generate"));
    QCOMPARE(comment.at("weft").at("request").at("class_id").get<int>(), r.class_id);
    std::string stored;
    const auto back = read_clip_frames(gif[0], 1024, &stored);
    QCOMPARE(int(back.size()), 8);
    QCOMPARE(back[0].width, 16);
    QCOMPARE(parse_json(stored, "gif").at("weft").at("request").at("seed").get<std::uint64_t>(), r.seed);
    QCOMPARE(int(read_clip_frames(mp4[0], 3).size()), 3);
    QVERIFY_THROWS_EXCEPTION(Error, read_clip_frames(mp4[0] + ".json"));
    QCOMPARE(QDir(QString::fromStdString(png[0])).entryList({"*.png"}).size(), 8);
    const auto frame = read_png_metadata(png[0] + "/frame_007.png");
    QCOMPARE(frame.at("request").at("seed").get<std::uint64_t>(), r.seed);
    cv::Mat decoded = cv::imread(png[0] + "/frame_003.png");
    QCOMPARE(decoded.cols, 16);
    // Re-exporting over an existing frame folder replaces it whole; no temporary files stay behind.
    save_clips(res, out, "clip", ClipFormat::Png);
    for (const auto& e : std::filesystem::directory_iterator(out))
      QVERIFY2(e.path().filename().string().find(".partial") == std::string::npos, e.path().c_str());
    // Bad input: no frames, frames of different sizes, an unwritable place — an error, and nothing written.
    QVERIFY_THROWS_EXCEPTION(Error, write_clip(out + "/empty.gif", {}, 8, ClipFormat::Gif, Json::object()));
    auto frames = res.clips[0];
    frames[2].width = 8;
    QVERIFY_THROWS_EXCEPTION(Error, write_clip(out + "/odd.mp4", frames, 8, ClipFormat::Mp4, Json::object()));
    QVERIFY(!std::filesystem::exists(out + "/odd.mp4"));
    QVERIFY_THROWS_EXCEPTION(Error, write_clip("/proc/weft/none.gif", res.clips[0], 8, ClipFormat::Gif, Json::object()));
    QVERIFY_THROWS_EXCEPTION(Error, clip_format_from_name("avi"));
  }

  void refusesWrongKindsAndBadRequests() {
    NullSink quiet;
    auto r = request();
    try {
      generate(r, quiet, CancelToken{});
      QFAIL("the picture job accepted a video model");
    } catch (const Error& e) {
      QVERIFY(QString(e.what()).contains("video model"));
    }
    r.class_id = 3;  // three classes: 0..2
    QVERIFY_THROWS_EXCEPTION(Error, generate_video(r, quiet, CancelToken{}));
    // A picture model in the video job.
    auto cfg = test::small_video_config();
    cfg.video = VideoConfig{};
    QDir(dir_.path()).mkpath("pictures");
    const std::string folder = dir_.filePath("pictures").toStdString();
    Vqvae vae(cfg);
    Var var(cfg);
    write_safetensors(folder + "/vae.safetensors", named_tensors_of(*vae));
    write_safetensors(folder + "/var.safetensors", named_tensors_of(*var));
    auto j = cfg.to_json();
    j["weights"] = {{"vqvae", "vae.safetensors"}, {"var", "var.safetensors"}};
    std::ofstream(folder + "/model.json") << j.dump();
    auto p = request();
    p.model = folder + "/model.json";
    try {
      generate_video(p, quiet, CancelToken{});
      QFAIL("the video job accepted a picture model");
    } catch (const Error& e) {
      QVERIFY(QString(e.what()).contains("picture model"));
    }
  }

  void movingShapesMoveAsLabelled() {
    const auto a = moving_shapes_clip(5, 99, 16, 32, 3), b = moving_shapes_clip(5, 99, 16, 32, 3);
    QVERIFY(torch::equal(a, b));
    QVERIFY(!torch::equal(a, moving_shapes_clip(5, 100, 16, 32, 3)));
    // Directions per label % 4: right, left, up, down (image y grows downwards).
    for (int label = 0; label < 12; ++label) {
      const auto clip = moving_shapes_clip(label, 1000 + label, 16, 32, 3);
      const auto [x0, y0] = centroid(clip, 0);
      const auto [x1, y1] = centroid(clip, 15);
      const double dx = x1 - x0, dy = y1 - y0;
      const int d = label % 4;
      const bool ok = d == 0 ? dx > 6 && std::abs(dy) < 1.5 : d == 1 ? dx < -6 && std::abs(dy) < 1.5
                    : d == 2 ? dy < -6 && std::abs(dx) < 1.5 : dy > 6 && std::abs(dx) < 1.5;
      QVERIFY2(ok, qPrintable(QString("label %1 moved by (%2, %3)").arg(label).arg(dx).arg(dy)));
    }
    const auto set = load_clip_set({"moving-shapes:test", 16, 32, 3, 24, 0});
    QCOMPARE(set.images.sizes(), (at::IntArrayRef{24, 16, 3, 32, 32}));
    QCOMPARE(int(set.class_names.size()), 12);
    QVERIFY(torch::equal(set.images, load_clip_set({"moving-shapes:test", 16, 32, 3, 24, 12345}).images));  // fixed
    QVERIFY(!torch::equal(load_clip_set({"moving-shapes", 16, 32, 3, 4, 1}).images,
                          load_clip_set({"moving-shapes", 16, 32, 3, 4, 2}).images));
  }

  void videoFolderSkipsWhatItCannotUse() {
    const QString root = dir_.filePath("videos");
    QDir().mkpath(root + "/waves/frames_a");
    QDir().mkpath(root + "/waves/frames_short");
    // A real video (20 frames), a frame folder (10 frames, enough for 8), a short one, a corrupt file, a text file.
    cv::VideoWriter w((root + "/waves/real.mp4").toStdString(), cv::CAP_FFMPEG, cv::VideoWriter::fourcc('m', 'p', '4', 'v'),
                      10, cv::Size(40, 30));
    QVERIFY(w.isOpened());
    for (int i = 0; i < 20; ++i) w.write(cv::Mat(30, 40, CV_8UC3, cv::Scalar(10 * i, 50, 200)));
    w.release();
    for (int i = 0; i < 10; ++i)
      cv::imwrite(QString("%1/waves/frames_a/%2.png").arg(root).arg(i, 3, 10, QChar('0')).toStdString(),
                  cv::Mat(20, 20, CV_8UC3, cv::Scalar(i * 20, 0, 0)));
    for (int i = 0; i < 3; ++i)
      cv::imwrite(QString("%1/waves/frames_short/%2.png").arg(root).arg(i).toStdString(), cv::Mat(20, 20, CV_8UC3));
    QFile bad(root + "/waves/broken.mp4");
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write(QByteArray(4096, 'x'));
    bad.close();
    QFile note(root + "/waves/notes.txt");
    QVERIFY(note.open(QIODevice::WriteOnly));
    note.write("hello");
    note.close();
    const auto set = load_clip_set({root.toStdString(), 8, 16, 3, 0, 0});
    QCOMPARE(set.count(), int64_t(2));
    QCOMPARE(set.images.sizes(), (at::IntArrayRef{2, 8, 3, 16, 16}));
    QCOMPARE(set.class_names, std::vector<std::string>{"waves"});
    QCOMPARE(int(set.skipped.size()), 3);
    QString skipped;
    for (const auto& s : set.skipped) skipped += QString::fromStdString(s) + "\n";
    QVERIFY2(skipped.contains("broken.mp4: cannot be decoded"), qPrintable(skipped));
    QVERIFY2(skipped.contains("frames_short: has 3 readable frames, a clip needs 8"), qPrintable(skipped));
    QVERIFY2(skipped.contains("notes.txt: not a video file"), qPrintable(skipped));
    // Nothing usable at all: a clear error naming the folder.
    const QString empty = dir_.filePath("no_videos");
    QDir().mkpath(empty);
    QFile::copy(root + "/waves/broken.mp4", empty + "/broken.mp4");
    QVERIFY_THROWS_EXCEPTION(Error, load_clip_set({empty.toStdString(), 8, 16, 3, 0, 0}));
  }

  void trainsOnClipsAndLearns() {
    ImageTrainRequest t;
    t.data = "moving-shapes";
    t.out = dir_.filePath("trained").toStdString();
    t.config = test::small_video_config().to_json();
    t.limit = 48;
    t.val_count = 12;
    t.batch = 8;
    t.max_steps = 30;
    t.tokenizer_epochs = 5;
    t.transformer_epochs = 5;
    t.warmup_steps = 5;
    t.seed = 3;
    NullSink quiet;
    const auto res = train_image_model(t, quiet, CancelToken{});
    // The same run stopped after one step: 29 more steps must have improved the held-out reconstruction clearly.
    auto one = t;
    one.out = dir_.filePath("trained_one_step").toStdString();
    one.stage = "tokenizer";
    one.max_steps = 1;
    const auto first = train_image_model(one, quiet, CancelToken{});
    qInfo("held-out tokenizer MSE %f after 1 step, %f after 30; transformer %f nats/token", first.tokenizer_val_mse,
          res.tokenizer_val_mse, res.transformer_val_loss);
    QVERIFY(res.tokenizer_val_mse > 0 && res.tokenizer_val_mse < 0.7 * first.tokenizer_val_mse);
    QVERIFY2(res.transformer_val_loss < std::log(64.0) - 0.4, qPrintable(QString::number(res.transformer_val_loss)));
    auto r = request();
    r.model = res.model_json;
    r.class_id = 11;  // the data's 12 classes replace the config's 3
    const auto clips = generate_video(r, quiet, CancelToken{});
    QCOMPARE(int(clips.clips.size()), 3);
  }
};

QTEST_GUILESS_MAIN(TestVideo)
#include "test_video.moc"
