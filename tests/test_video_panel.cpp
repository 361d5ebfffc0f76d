// The Video tab end to end, through the real window and job thread, with a small random-weight video model (8
// frames, 3 scales): generating shows one frame strip per scale, then the clips land in the history and the
// player plays them (scrubber, loop); the same request gives the same frames; exports are written on the job
// thread with the request inside; a picture model is refused with a message; cancel works.
#include <torch/torch.h>  // before Qt: Qt's `slots` macro breaks LibTorch headers

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

#include "common/json_io.h"
#include "common/atomic_file.h"
#include "gui_drop.h"
#include "image/clip_export.h"
#include "image/video_util.h"
#include "image/ImageModels.h"
#include "shared/JobRunner.h"
#include "shared/MainWindow.h"
#include "video/ClipPlayer.h"
#include "video/VideoPanel.h"

using namespace weft;
using namespace weft::studio;
using weft::studio::testing::dropFile;

namespace {
constexpr int kJobTimeout = 60000;
}

class TestVideoPanel : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  QString model_;

  VideoPanel* open(MainWindow& w) {
    w.resize(1400, 900);
    w.show();
    if (!QTest::qWaitForWindowExposed(&w)) return nullptr;
    w.runner()->setPreviewRate(0);
    VideoPanel* panel = w.video();
    if (!panel) return nullptr;
    panel->setOutputFolder(dir_.filePath("out"));
    const int index = panel->modelBox()->findData(QFileInfo(model_).absoluteFilePath());
    if (index < 0) return nullptr;
    panel->modelBox()->setCurrentIndex(index);
    return panel;
  }

  bool finish(MainWindow& w, quint64 id) {
    if (!id) return false;
    return QTest::qWaitFor([&] {
      const JobStatus s = w.runner()->record(id).status;
      return s != JobStatus::Queued && s != JobStatus::Running && !w.video()->busy();
    }, kJobTimeout);
  }

 private slots:
  void initTestCase() {
    QCoreApplication::setOrganizationName("WeftTests");
    QCoreApplication::setApplicationName("test_video_panel");
    QSettings().clear();
    QVERIFY(dir_.isValid());
    QDir().mkpath(dir_.filePath("models/small"));
    model_ = QString::fromStdString(weft::test::write_random_video_model(dir_.filePath("models/small").toStdString()));
    qputenv("WEFT_VIDEO_MODELS", dir_.filePath("models").toUtf8());  // scanned like the shipped models/video
  }

  void generatesStripsThenPlays() {
    MainWindow w;
    VideoPanel* p = open(w);
    QVERIFY(p);
    QCOMPARE(p->currentModel().frames, 8);
    QCOMPARE(p->classBox()->count(), 4);  // red, green, blue + unconditional
    QCOMPARE(p->classBox()->itemText(1), QString("green"));
    p->classBox()->setCurrentIndex(1);
    p->seedSpin()->setValue(11);
    p->countSpin()->setValue(2);
    QSignalSpy strips(p, &VideoPanel::stripShown);
    const quint64 id = p->generate();
    QVERIFY(id);
    QVERIFY(finish(w, id));
    QCOMPARE(w.runner()->record(id).status, JobStatus::Done);
    QCOMPARE(strips.count(), 3);  // one batch of 2 clips × 3 scales
    QCOMPARE(strips.at(2).at(0).toInt(), 2);
    QCOMPARE(p->stripImage().size(), QSize(8 * 16, 2 * 16));  // a row of 8 frames per clip
    QCOMPARE(int(p->clips().size()), 2);
    QCOMPARE(p->history()->count(), 2);
    QCOMPARE(p->player()->frameCount(), 8);
    QCOMPARE(p->clips()[0].fps, 6.0);
    // The player runs by itself (the panel starts it) and loops; the scrubber moves to any frame.
    QVERIFY(QTest::qWaitFor([&] { return p->player()->currentFrame() > 0; }, 3000));
    p->player()->pause();
    p->player()->scrubber()->setValue(5);
    QCOMPARE(p->player()->currentFrame(), 5);
    // The same request gives the same frames.
    const auto first = p->clips()[0].frames;
    const quint64 again = p->rerun(0);
    QVERIFY(finish(w, again));
    QCOMPARE(int(p->clips().size()), 4);
    bool same = true;
    for (size_t t = 0; t < 8; ++t) same = same && p->clips()[0].frames[t] == first[t];
    QVERIFY(same);
    // Export as GIF on the job thread; the file carries the request.
    const QString gif = dir_.filePath("out/video/clip.gif");
    const quint64 exportId = p->exportClip(0, gif, "gif");
    QVERIFY(exportId);
    QVERIFY(QTest::qWaitFor([&] { return w.runner()->record(exportId).status == JobStatus::Done; }, kJobTimeout));
    const Json meta = parse_json(image::read_gif_comment(gif.toStdString()), "gif");
    QCOMPARE(meta.at("weft").at("request").at("seed").get<int>(), 11);
    // Delete removes the entry from the history.
    p->removeClip(0);
    QCOMPARE(p->history()->count(), 3);
    QVERIFY(p->errorText().isEmpty());
    // Dropping the exported GIF on the window: the Video tab opens it (8 frames) and restores its settings.
    p->seedSpin()->setValue(99);
    p->classBox()->setCurrentIndex(0);
    QSignalSpy restored(p, &VideoPanel::restored);
    dropFile(w, gif);
    QVERIFY(QTest::qWaitFor([&] { return restored.count() == 1; }, kJobTimeout));
    QCOMPARE(p->history()->count(), 4);
    QCOMPARE(p->player()->frameCount(), 8);
    QCOMPARE(p->seedSpin()->value(), 11);
    QCOMPARE(p->classBox()->currentData().toInt(), 1);
    QVERIFY(p->errorText().isEmpty());
  }

  // A model whose JSON carries "recommended" sampling: choosing it sets CFG, top-k and top-p to it (the settings
  // its card measured); an impossible value makes the model unusable, with the key named.
  void startsFromTheModelsRecommendedSampling() {
    MainWindow w;
    VideoPanel* p = open(w);
    QVERIFY(p);
    QVERIFY(!p->currentModel().hasRecommended);
    QDir().mkpath(dir_.filePath("tuned"));
    const QString tuned = QString::fromStdString(weft::test::write_random_video_model(dir_.filePath("tuned").toStdString()));
    Json j = parse_json(read_file(tuned.toStdString()), "tuned model");
    j["recommended"] = {{"cfg", 3.25}, {"top_k", 7}, {"top_p", 0.5}};
    write_file_atomic(tuned.toStdString(), j.dump());
    p->cfgSpin()->setValue(1.0);
    QVERIFY(p->openModel(tuned));
    QCOMPARE(p->currentModel().path, QFileInfo(tuned).absoluteFilePath());
    QCOMPARE(p->cfgSpin()->value(), 3.25);
    QCOMPARE(p->topKSpin()->value(), 7);
    QCOMPARE(p->topPSpin()->value(), 0.5);
    j["recommended"]["top_p"] = 2;
    write_file_atomic(tuned.toStdString(), j.dump());
    const auto bad = ImageModels::read(tuned);
    QVERIFY2(bad.error.contains("top_p"), qPrintable(bad.error));
  }

  void refusesPictureModelsAndCancels() {
    MainWindow w;
    VideoPanel* p = open(w);
    QVERIFY(p);
    // A picture model: refused with a message that points to the Image tab.
    auto cfg = weft::test::small_video_config();
    cfg.video = image::VideoConfig{};
    QDir().mkpath(dir_.filePath("picture"));
    Json j = cfg.to_json();
    j["weights"] = {{"vqvae", dir_.filePath("models/small/vae.safetensors").toStdString()},
                    {"var", dir_.filePath("models/small/var.safetensors").toStdString()}};
    QFile f(dir_.filePath("picture/model.json"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray::fromStdString(j.dump()));
    f.close();
    QVERIFY(!p->openModel(f.fileName()));
    QVERIFY(p->errorText().contains("Image tab"));
    // Cancel now: the job ends cancelled and nothing is added.
    p->countSpin()->setValue(64);
    const quint64 id = p->generate();
    QVERIFY(id);
    p->cancelNow();
    QVERIFY(finish(w, id));
    QCOMPARE(w.runner()->record(id).status, JobStatus::Cancelled);
    QCOMPARE(p->history()->count(), 0);
    QVERIFY(p->generateButton()->isEnabled());
  }
};

QTEST_MAIN(TestVideoPanel)
#include "test_video_panel.moc"
