// The Image tab's training dialog end to end, through the real window and job thread, on a tiny picture folder
// (2 classes of 16 px PNGs and one corrupt file) with a tiny model configuration given through the dialog's
// request override: dropping the folder opens the dialog with it and its scan; training plots the four curves
// live, lists the corrupt file in the log, shows the held-out figures and puts the model in the picker, where it
// generates; Cancel now keeps a checkpoint and Train becomes Resume, cancel after the epoch stops at an epoch's
// end, and resuming finishes the model; a folder without pictures, a folder whose only picture is corrupt and bad
// settings are errors shown in the dialog.
#include <torch/torch.h>  // before Qt: Qt's `slots` macro breaks LibTorch headers

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>
#include <cstdlib>
#include <fstream>

#include "common/json_io.h"
#include "gui_drop.h"
#include "image/ImageGallery.h"
#include "image/ImageModels.h"
#include "image/ImagePanel.h"
#include "image/ImageTrainDialog.h"
#include "image/generate.h"
#include "image/model_config.h"
#include "image/png_io.h"
#include "image/train_image.h"
#include "series/LossChart.h"
#include "shared/JobRunner.h"
#include "shared/MainWindow.h"

using namespace weft;
using namespace weft::studio;
using weft::studio::testing::dropFile;

namespace {

constexpr int kJobTimeout = 60000;

// 16 px pictures: "bright" ones are light discs on dark, "dark" ones dark squares on light; positions vary.
PreviewImage picture(bool bright, int variant) {
  PreviewImage img;
  img.width = img.height = 16;
  img.channels = 3;
  img.pixels.resize(16 * 16 * 3);
  const int cx = 5 + variant % 6, cy = 5 + (variant / 6) % 6;
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 16; ++x) {
      const bool inside =
          bright ? (x - cx) * (x - cx) + (y - cy) * (y - cy) < 12 : std::abs(x - cx) < 4 && std::abs(y - cy) < 4;
      const uint8_t v = bright ? (inside ? 230 : 20) : (inside ? 30 : 220);
      for (int c = 0; c < 3; ++c) img.pixels[size_t((y * 16 + x) * 3 + c)] = uint8_t(v + c * 10);
    }
  return img;
}

void writeBytes(const QString& path, const std::string& bytes) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  std::ofstream(path.toStdString(), std::ios::binary) << bytes;
}

// A 16 px model (scales 1, 2, 4; 32 codes; a one-block transformer) with learning rates for a few dozen steps.
QString tinyOverride() {
  image::ModelConfig c;
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
  const Json j = {{"config", c.to_json()}, {"warmup_steps", 3}, {"tokenizer_lr", 2e-3},
                  {"transformer_lr", 2e-3}, {"val_count", 8}};
  return QString::fromStdString(j.dump());
}

}  // namespace

class TestImageTrainDialog : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString pictures_;

  QString path(const QString& name) const { return dir_.filePath(name); }

  ImagePanel* open(MainWindow& w) {
    w.resize(1400, 900);
    w.show();
    if (!QTest::qWaitForWindowExposed(&w)) return nullptr;
    w.runner()->setPreviewRate(0);
    ImagePanel* panel = w.image();
    if (panel) panel->setOutputFolder(path("out"));
    return panel;
  }

  // The dialog set for a tiny, fast run: the override, 2 + N epochs of batch 8.
  void tiny(ImageTrainDialog* d, const QString& name, int transformerEpochs) {
    d->setRequestOverride(tinyOverride());
    d->nameEdit()->setText(name);
    d->tokenizerEpochsSpin()->setValue(2);
    d->transformerEpochsSpin()->setValue(transformerEpochs);
    d->batchSpin()->setValue(8);
    d->seedSpin()->setValue(5);
  }

  static bool waitScan(ImageTrainDialog* d) { return QTest::qWaitFor([d] { return !d->scanning(); }, 10000); }

  // Waits until the dialog's job has ended; its final status.
  static JobStatus finish(MainWindow& w, ImageTrainDialog* d, quint64 id) {
    if (!id) return JobStatus::Failed;
    const bool ended = QTest::qWaitFor([&] { return !d->busy(); }, kJobTimeout);
    if (!ended) qWarning("training job %llu did not end in time", id);
    return ended ? w.runner()->record(id).status : JobStatus::Running;
  }

 private slots:
  void initTestCase() {
    QCoreApplication::setOrganizationName("WeftTests");
    QCoreApplication::setApplicationName("test_image_train_dialog");
    QSettings().clear();
    QVERIFY(dir_.isValid());
    qputenv("WEFT_IMAGE_MODELS", path("no-shipped-models").toUtf8());
    pictures_ = path("pictures");
    for (const char* cls : {"bright", "dark"})
      for (int i = 0; i < 32; ++i) {
        const auto png = image::encode_png(picture(cls[0] == 'b', i));
        writeBytes(QString("%1/%2/%3.png").arg(pictures_, cls).arg(i), std::string(png.begin(), png.end()));
      }
    writeBytes(pictures_ + "/dark/broken.png", "\x89PNG\r\n\x1a\n but then nothing a decoder accepts");
  }

  void dropOpensTheDialogAndTrainingFillsThePicker() {
    MainWindow w;
    ImagePanel* panel = open(w);
    QVERIFY(panel);
    QVERIFY(!panel->trainDialog());
    dropFile(w, pictures_);
    QCOMPARE(w.tabs()->currentWidget(), panel);
    ImageTrainDialog* d = panel->trainDialog();
    QVERIFY(d);
    QVERIFY(d->isVisible());
    QVERIFY(!d->isModal());
    QCOMPARE(d->dataSource(), QFileInfo(pictures_).absoluteFilePath());
    QCOMPARE(d->nameEdit()->text(), QString("pictures"));
    QCOMPARE(d->modelFolder(), QDir::cleanPath(path("out/image/models/pictures")));
    QVERIFY(waitScan(d));
    QCOMPARE(d->scan().classes, (QStringList{"bright", "dark"}));
    QCOMPARE(d->scan().pictures, (QList<int>{32, 33}));  // a listing: the corrupt PNG counts until it is read
    QVERIFY2(d->scanText().contains("2 classes"), qPrintable(d->scanText()));
    QVERIFY(d->errorText().isEmpty());
    QVERIFY(!d->resumeBox()->isEnabled());  // nothing to resume in a new folder
    QCOMPARE(d->trainButton()->text(), QString("Train"));

    tiny(d, "pictures", 3);
    QCOMPARE(d->presetBox()->currentText(), QString("Custom"));
    // Points must arrive while the job runs (live), for all four series.
    std::map<QString, int> seenWhileRunning;
    auto live = connect(w.runner(), &JobRunner::jobMetric, d, [&](quint64, const QString& series, double, double) {
      if (d->busy()) ++seenWhileRunning[series];
    });
    const quint64 id = d->train();
    QVERIFY2(id, qPrintable(d->errorText()));
    QVERIFY(d->busy());
    QVERIFY(!d->trainButton()->isEnabled() && d->cancelNowButton()->isEnabled());
    QVERIFY(!d->nameEdit()->isEnabled());
    QCOMPARE(finish(w, d, id), JobStatus::Done);
    disconnect(live);
    for (const char* s : {"tokenizer loss", "tokenizer val", "transformer loss", "transformer val"})
      QVERIFY2(seenWhileRunning[s] > 0, s);
    QVERIFY(d->tokenizerChart()->pointCount("tokenizer loss") >= 4);
    QCOMPARE(d->tokenizerChart()->pointCount("tokenizer val"), 2);      // one per epoch
    QCOMPARE(d->transformerChart()->pointCount("transformer val"), 3);
    QVERIFY(d->transformerChart()->pointCount("transformer loss") >= 4);
    QCOMPARE(d->tokenizerChart()->pointCount("transformer loss"), 0);   // each chart keeps to its stage
    QVERIFY2(d->logText().contains("skipped") && d->logText().contains("broken.png"), qPrintable(d->logText()));
    QVERIFY2(d->resultText().contains("held-out") && d->resultText().contains("cross-entropy"),
             qPrintable(d->resultText()));
    QVERIFY(d->resultText().contains("1 file skipped"));
    QCOMPARE(d->progressBar()->value(), 1000);
    auto res = d->lastResult();
    QVERIFY(res);
    QVERIFY(res->transformer_val_loss > 0 && res->tokenizer_val_mse >= 0);
    QCOMPARE(res->skipped.size(), size_t(1));

    // The model is in the picker, selected and remembered, with the folder's class names.
    const QString model = QDir::cleanPath(path("out/image/models/pictures/model.json"));
    QVERIFY(QFileInfo::exists(model));
    QCOMPARE(QFileInfo(panel->currentModel().path).canonicalFilePath(), QFileInfo(model).canonicalFilePath());
    QCOMPARE(panel->currentModel().classNames, (QStringList{"bright", "dark"}));
    QVERIFY(ImageModels::userModels().contains(QFileInfo(model).absoluteFilePath()) ||
            ImageModels::userModels().contains(model));
    // ... and it generates.
    panel->classBox()->setCurrentIndex(panel->classBox()->findData(1));
    panel->topKSpin()->setValue(0);
    panel->topPSpin()->setValue(0);
    const int before = panel->gallery()->count();
    const quint64 gen = panel->generate();
    QVERIFY2(gen, qPrintable(panel->errorText()));
    QVERIFY(QTest::qWaitFor([&] { return !panel->busy(); }, kJobTimeout));
    QCOMPARE(w.runner()->record(gen).status, JobStatus::Done);
    QCOMPARE(panel->gallery()->count(), before + 1);
    const auto out = std::static_pointer_cast<const image::GenerateResult>(w.runner()->record(gen).output.payload);
    QVERIFY(out && out->images.size() == 1);
    QCOMPARE(out->images[0].width, 16);
  }

  void cancelNowKeepsACheckpointAndResumeFinishes() {
    MainWindow w;
    ImagePanel* panel = open(w);
    QVERIFY(panel);
    panel->trainModelButton()->click();  // the dialog without a drop
    ImageTrainDialog* d = panel->trainDialog();
    QVERIFY(d && d->isVisible());
    d->setDataFolder(pictures_);
    QVERIFY(waitScan(d));
    tiny(d, "resumable", 12);
    const QString folder = d->modelFolder();

    // Cancel now as soon as the transformer reports its first loss.
    bool asked = false;
    auto stopper = connect(w.runner(), &JobRunner::jobMetric, d, [&](quint64, const QString& series, double, double) {
      if (series == "transformer loss" && !asked) {
        asked = true;
        d->cancelNowButton()->click();
      }
    });
    const quint64 first = d->train();
    QVERIFY(first);
    QCOMPARE(finish(w, d, first), JobStatus::Cancelled);
    disconnect(stopper);
    QVERIFY(asked);
    QVERIFY(QFileInfo::exists(folder + "/transformer.ckpt.safetensors"));
    QVERIFY(!QFileInfo::exists(folder + "/model.json"));
    QVERIFY(d->resumeBox()->isEnabled() && d->resumeBox()->isChecked());
    QCOMPARE(d->trainButton()->text(), QString("Resume"));
    QVERIFY(d->trainButton()->isEnabled());
    QVERIFY2(d->stageText().contains("Resume"), qPrintable(d->stageText()));
    QVERIFY(d->errorText().isEmpty());

    // Resume, and this time stop after the epoch under way.
    bool afterAsked = false;
    auto after = connect(w.runner(), &JobRunner::jobStarted, d, [&](quint64) {
      afterAsked = true;
      d->cancelAfterButton()->click();
    });
    d->trainButton()->click();
    const quint64 second = d->jobId();
    QVERIFY(second && second != first);
    QVERIFY(QJsonDocument::fromJson(w.runner()->record(second).spec.requestJson.toUtf8()).object()["resume"].toBool());
    QCOMPARE(finish(w, d, second), JobStatus::Cancelled);
    disconnect(after);
    QVERIFY(afterAsked);
    QVERIFY2(d->logText().contains("resuming the transformer"), qPrintable(d->logText()));
    QVERIFY(d->logText().contains("transformer epoch"));  // it got to an epoch's end before stopping
    QVERIFY(!QFileInfo::exists(folder + "/model.json"));
    QCOMPARE(d->trainButton()->text(), QString("Resume"));

    // Resume to the end: the curves are replayed from the checkpoint, then continued.
    d->trainButton()->click();
    const quint64 third = d->jobId();
    QVERIFY(third && third != second);
    QCOMPARE(finish(w, d, third), JobStatus::Done);
    QVERIFY(QFileInfo::exists(folder + "/model.json"));
    QCOMPARE(d->transformerChart()->pointCount("transformer val"), 12);
    QVERIFY(d->resultText().contains("cross-entropy"));
    QCOMPARE(d->trainButton()->text(), QString("Train"));
    QVERIFY(!d->resumeBox()->isChecked());
    QCOMPARE(QFileInfo(panel->currentModel().path).canonicalFilePath(),
             QFileInfo(folder + "/model.json").canonicalFilePath());
  }

  void badFoldersAndSettingsAreErrorsInTheDialog() {
    MainWindow w;
    ImagePanel* panel = open(w);
    QVERIFY(panel);

    // A folder without pictures is refused by the drop router, and the dialog says so when it is chosen.
    const QString empty = path("no-pictures");
    writeBytes(empty + "/notes/readme.txt", "not a picture");
    dropFile(w, empty);
    QVERIFY(!panel->trainDialog());
    ImageTrainDialog* d = panel->openTrainDialog(empty);
    QVERIFY(d && d->isVisible());
    QVERIFY(waitScan(d));
    QVERIFY2(d->errorText().contains("No pictures"), qPrintable(d->errorText()));
    QVERIFY(!d->trainButton()->isEnabled());
    QCOMPARE(d->train(), quint64(0));
    QVERIFY(d->errorText().contains("No pictures"));

    // A folder whose only picture does not decode: the job fails, and the dialog shows the core's reason.
    const QString corrupt = path("corrupt");
    writeBytes(corrupt + "/a/broken.png", "\x89PNG\r\n\x1a\n nothing more");
    dropFile(w, corrupt);
    QCOMPARE(d->dataSource(), QFileInfo(corrupt).absoluteFilePath());
    QVERIFY(waitScan(d));
    QVERIFY2(d->errorText().isEmpty(), qPrintable(d->errorText()));
    QCOMPARE(d->scan().total(), 1);
    tiny(d, "corrupt", 1);
    const quint64 id = d->train();
    QVERIFY(id);
    QCOMPARE(finish(w, d, id), JobStatus::Failed);
    QVERIFY2(d->errorText().contains("no readable pictures"), qPrintable(d->errorText()));
    QVERIFY(d->trainButton()->isEnabled());

    // Bad settings: a name that is no folder name, a learning rate out of range; the bundled data set as a choice.
    d->setDataFolder(pictures_);
    QVERIFY(waitScan(d));
    d->nameEdit()->setText("my model/1");
    QVERIFY(d->modelFolder().isEmpty());
    QVERIFY(!d->trainButton()->isEnabled());
    QCOMPARE(d->train(), quint64(0));
    QVERIFY(d->errorText().contains("name"));
    d->nameEdit()->setText("ok");
    d->setRequestOverride(R"({"tokenizer_lr": 5})");
    QCOMPARE(d->train(), quint64(0));
    QVERIFY2(d->errorText().contains("learning rate"), qPrintable(d->errorText()));
    d->setRequestOverride({});
    QCOMPARE(d->presetBox()->findText("Custom"), -1);
    d->useFashionMnist();
    QCOMPARE(d->dataSource(), QString("fashion-mnist"));
    QVERIFY(!d->scanText().isEmpty());
    QVERIFY(!d->busy());
    // The emoji source: selectable, named, and (with the font installed) ready to train.
    d->useEmoji();
    QCOMPARE(d->dataSource(), QString("noto-emoji"));
    QVERIFY2(d->scanText().contains("10 themes") || d->scanText().contains("fonts-noto-color-emoji"),
             qPrintable(d->scanText()));
    if (QFileInfo::exists("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")) QVERIFY(d->trainButton()->isEnabled());
  }
};

QTEST_MAIN(TestImageTrainDialog)
#include "test_image_train_dialog.moc"
