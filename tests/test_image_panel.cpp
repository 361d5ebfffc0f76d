// The Image tab end to end, through the real window and job thread, with the fixture VAR model (64×64 px, 4 scales,
// 10 classes, random weights: noise pictures, but real jobs). Generating shows one preview per scale, then the
// picture lands in the history; the same request gives the same pixels and a re-run reproduces them; favourites
// sort first, delete removes; a saved PNG carries the Weft JSON and an A1111 "parameters" line, and dropping it on
// the window restores seed, class, CFG, top-k and top-p; the mask brush's edit keeps the unpainted tokens; bad
// model files, a class out of range and a corrupt PNG are errors shown in the panel; both cancel modes work.
#include <torch/torch.h>  // before Qt: Qt's `slots` macro breaks LibTorch headers

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QImage>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>
#include <fstream>

#include "common/json_io.h"
#include "gui_drop.h"
#include "image/ImageCanvas.h"
#include "image/ImageGallery.h"
#include "image/ImagePanel.h"
#include "image/fixture_util.h"
#include "image/generate.h"
#include "image/result_files.h"
#include "shared/JobRunner.h"
#include "shared/MainWindow.h"

using namespace weft;
using namespace weft::studio;
using weft::studio::testing::dropFile;

namespace {

constexpr int kJobTimeout = 30000;

bool sameImage(const QImage& a, const QImage& b) {
  return !a.isNull() && a.size() == b.size() &&
         a.convertToFormat(QImage::Format_RGB888) == b.convertToFormat(QImage::Format_RGB888);
}

std::shared_ptr<const image::GenerateResult> resultOf(JobRunner* runner, quint64 id) {
  return std::static_pointer_cast<const image::GenerateResult>(runner->record(id).output.payload);
}

}  // namespace

class TestImagePanel : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString model_;  // the fixture model, found by the picker as a shipped model (models/fixture/model.json)

  QString path(const QString& name) const { return dir_.filePath(name); }

  void writeModel(const QString& file, const Json& j) {
    QDir().mkpath(QFileInfo(file).absolutePath());
    std::ofstream(file.toStdString()) << j.dump(2);
  }

  Json fixtureJson() const {
    auto c = image::test::fixture_config();
    c.class_names = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};
    auto j = c.to_json();
    j["weights"] = {{"vqvae", image::test::fixture("vqvae/weights.safetensors")},
                    {"var", image::test::fixture("transformer/weights.pth")}};
    return j;
  }

  // A window showing the Image tab with the fixture model picked and every preview delivered (no throttling).
  ImagePanel* open(MainWindow& w) {
    w.resize(1400, 900);
    w.show();
    if (!QTest::qWaitForWindowExposed(&w)) return nullptr;
    w.runner()->setPreviewRate(0);
    ImagePanel* panel = w.image();
    if (!panel) return nullptr;
    panel->setOutputFolder(path("out"));
    const int index = panel->modelBox()->findData(QFileInfo(model_).absoluteFilePath());
    if (index < 0) return nullptr;
    panel->modelBox()->setCurrentIndex(index);
    panel->topKSpin()->setValue(0);  // the fixture has 64 codes: sample from all of them
    panel->topPSpin()->setValue(0);
    return panel;
  }

  void set(ImagePanel* p, int cls, int seed, double cfg = 1.5) {
    p->classBox()->setCurrentIndex(p->classBox()->findData(cls));
    p->seedSpin()->setValue(seed);
    p->cfgSpin()->setValue(cfg);
  }

  // Runs a job of the panel to its end; returns its id (0 on failure to start).
  quint64 finish(MainWindow& w, quint64 id) {
    if (!id) return 0;
    const bool ended = QTest::qWaitFor([&] {
      const JobStatus s = w.runner()->record(id).status;
      return s != JobStatus::Queued && s != JobStatus::Running && !w.image()->busy();
    }, kJobTimeout);
    if (!ended) qWarning("job %llu did not end in time", id);
    return ended ? id : 0;
  }

 private slots:
  void initTestCase() {
    QCoreApplication::setOrganizationName("WeftTests");
    QCoreApplication::setApplicationName("test_image_panel");
    QSettings().clear();
    QVERIFY(dir_.isValid());
    model_ = path("models/fixture/model.json");
    writeModel(model_, fixtureJson());
    qputenv("WEFT_IMAGE_MODELS", path("models").toUtf8());  // scanned like the shipped models/image folder
  }

  void pickerListsModelsAndClassNames() {
    MainWindow w;
    ImagePanel* p = open(w);
    QVERIFY(p);
    QCOMPARE(p->currentModel().name, QString("fixture"));
    QVERIFY(p->currentModel().shipped);
    QCOMPARE(p->currentModel().imageSize, 64);
    QCOMPARE(p->classBox()->count(), 11);  // 10 named classes + unconditional
    QCOMPARE(p->classBox()->itemText(3), QString("three"));
    QCOMPARE(p->classBox()->itemData(10).toInt(), -1);
    QVERIFY(p->generateButton()->isEnabled());
    QVERIFY(!p->cancelNowButton()->isEnabled());
    QVERIFY(!p->repaintButton()->isEnabled());
    const int before = p->seedSpin()->value();
    bool changed = false;
    for (int i = 0; i < 5 && !changed; ++i) {
      p->diceButton()->click();
      changed = p->seedSpin()->value() != before;
    }
    QVERIFY(changed);
    QVERIFY(p->errorText().isEmpty());
  }

  void generateShowsEveryScaleThenTheResult() {
    MainWindow w;
    ImagePanel* p = open(w);
    QVERIFY(p);
    set(p, 3, 7);
    QSignalSpy previews(p, &ImagePanel::previewShown);
    const quint64 id = finish(w, p->generate());
    QVERIFY(id);
    QCOMPARE(w.runner()->record(id).status, JobStatus::Done);
    QCOMPARE(previews.count(), 4);
    for (int k = 0; k < 4; ++k) {
      QCOMPARE(previews[k][0].toInt(), k);
      QCOMPARE(previews[k][1].toInt(), 4);
      QCOMPARE(previews[k][2].toString(), QString("scale %1/4").arg(k + 1));
    }
    QCOMPARE(p->gallery()->count(), 1);
    const GalleryEntry* e = p->gallery()->entry(p->gallery()->currentKey());
    QVERIFY(e);
    QCOMPARE(e->image.size(), QSize(64, 64));
    QCOMPARE(e->title, QString("three · seed 7"));
    QVERIFY(sameImage(p->previewCanvas()->image(), e->image));  // the canvas ends on the result
    const Json meta = parse_json(e->metadataJson.toStdString(), "test");
    QCOMPARE(meta["weft"]["job"].get<std::string>(), std::string("image-generate"));
    QCOMPARE(meta["weft"]["request"]["seed"].get<int>(), 7);
    QCOMPARE(meta["weft"]["request"]["class_id"].get<int>(), 3);
    QVERIFY(p->errorText().isEmpty());
  }

  // The model that ships in models/image/fashion: its garment names fill the class picker, and generating shows
  // its six scales, then a 32 px picture.
  void shippedModelGenerates() {
    const QString shipped = QFileInfo(QStringLiteral(WEFT_SOURCE_DIR "/models/image/fashion/model.json")).absoluteFilePath();
    if (!QFileInfo::exists(shipped)) QFAIL("models/image/fashion/model.json is missing");
    MainWindow w;
    ImagePanel* p = open(w);
    QVERIFY(p);
    const int index = p->modelBox()->findData(shipped);
    QVERIFY2(index >= 0, "the shipped model is not in the picker");
    p->modelBox()->setCurrentIndex(index);
    QCOMPARE(p->classBox()->itemText(1), QString("Trouser"));
    p->classBox()->setCurrentIndex(1);
    p->seedSpin()->setValue(7);
    QSignalSpy previews(p, &ImagePanel::previewShown);
    const quint64 id = finish(w, p->generate());
    QVERIFY(id);
    QCOMPARE(w.runner()->record(id).status, JobStatus::Done);
    QCOMPARE(previews.count(), 6);
    QCOMPARE(previews[5][2].toString(), QString("scale 6/6"));
    const GalleryEntry* e = p->gallery()->entry(p->gallery()->currentKey());
    QVERIFY(e);
    QCOMPARE(e->image.size(), QSize(32, 32));
    QCOMPARE(e->title, QString("Trouser · seed 7"));
  }

  void sameRequestSamePixelsAndRerunReproduces() {
    MainWindow w;
    ImagePanel* p = open(w);
    QVERIFY(p);
    set(p, 2, 11);
    QVERIFY(finish(w, p->generate()));
    const quint64 first = p->gallery()->currentKey();
    QVERIFY(finish(w, p->generate()));
    const quint64 second = p->gallery()->currentKey();
    QVERIFY(first != second);
    QVERIFY(sameImage(p->gallery()->entry(first)->image, p->gallery()->entry(second)->image));
    p->seedSpin()->setValue(12);
    QVERIFY(finish(w, p->generate()));
    const quint64 other = p->gallery()->currentKey();
    QVERIFY(!sameImage(p->gallery()->entry(first)->image, p->gallery()->entry(other)->image));

    // Re-running the first picture (the controls now say seed 12) repeats its own request.
    QVERIFY(finish(w, p->rerun(first)));
    QCOMPARE(p->gallery()->count(), 4);
    const quint64 again = p->gallery()->currentKey();
    QVERIFY(sameImage(p->gallery()->entry(first)->image, p->gallery()->entry(again)->image));
    QCOMPARE(p->gallery()->entry(again)->requestJson, p->gallery()->entry(first)->requestJson);

    // Favourites sort first; delete removes.
    QCOMPARE(p->gallery()->keys().first(), again);  // newest first
    p->gallery()->setFavourite(first, true);
    QCOMPARE(p->gallery()->keys().first(), first);
    QVERIFY(p->gallery()->entry(first)->favourite);
    QCOMPARE(p->gallery()->list()->item(0)->text(), p->gallery()->entry(first)->title);  // the list shows it first
    p->gallery()->setFavourite(first, false);
    QCOMPARE(p->gallery()->keys().first(), again);
    p->gallery()->remove(other);
    QCOMPARE(p->gallery()->count(), 3);
    QVERIFY(!p->gallery()->entry(other));
    QVERIFY(!p->gallery()->keys().contains(other));
  }

  void savedPngCarriesParametersAndDropRestoresSettings() {
    MainWindow w;
    ImagePanel* p = open(w);
    QVERIFY(p);
    set(p, 5, 4242, 2.25);
    p->topKSpin()->setValue(7);
    p->topPSpin()->setValue(0.8);
    QVERIFY(finish(w, p->generate()));
    const quint64 key = p->gallery()->currentKey();
    const QString png = path("saved/five.png");
    const quint64 save = finish(w, p->savePng(key, png));
    QCOMPARE(w.runner()->record(save).status, JobStatus::Done);

    const QImage saved(png);
    QVERIFY(sameImage(saved, p->gallery()->entry(key)->image));
    const QString params = saved.text("parameters");
    QCOMPARE(params, QString("class: five, Steps: 4 scales, Seed: 4242, CFG scale: 2.25, Top-k: 7, Top-p: 0.8, "
                             "Size: 64x64, Model: fixture"));
    const Json meta = image::read_png_metadata(png.toStdString());  // the authoritative JSON is there too
    QCOMPARE(meta["request"]["seed"].get<int>(), 4242);
    QCOMPARE(image::parse_parameters_text(params.toStdString())["seed"].get<int>(), 4242);

    // Change everything, go to another tab, drop the PNG: the Image tab comes back with the saved settings.
    set(p, 0, 1, 0.5);
    p->topKSpin()->setValue(900);
    p->topPSpin()->setValue(0.96);
    w.tabs()->setCurrentIndex(w.tabs()->count() - 1);
    QSignalSpy restored(p, &ImagePanel::restored);
    dropFile(w, png);
    QCOMPARE(w.tabs()->currentWidget(), static_cast<QWidget*>(p));
    QTRY_COMPARE_WITH_TIMEOUT(restored.count(), 1, kJobTimeout);
    QCOMPARE(p->seedSpin()->value(), 4242);
    QCOMPARE(p->classId(), 5);
    QCOMPARE(p->cfgSpin()->value(), 2.25);
    QCOMPARE(p->topKSpin()->value(), 7);
    QCOMPARE(p->topPSpin()->value(), 0.8);
    QVERIFY2(p->errorText().isEmpty(), qPrintable(p->errorText()));
    QVERIFY(sameImage(p->maskCanvas()->image(), saved));  // ready for the mask brush

    // Generating with the restored settings gives the saved pixels again.
    QVERIFY(finish(w, p->generate()));
    QVERIFY(sameImage(p->gallery()->entry(p->gallery()->currentKey())->image, saved));
  }

  void maskEditKeepsTheUnpaintedTokens() {
    MainWindow w;
    ImagePanel* p = open(w);
    QVERIFY(p);
    set(p, 1, 3);
    QVERIFY(finish(w, p->generate()));
    p->editEntry(p->gallery()->currentKey());
    QCOMPARE(p->views()->currentIndex(), 1);  // the mask editor
    QVERIFY(!p->repaintButton()->isEnabled());  // nothing painted yet
    QCOMPARE(p->editMasked(), quint64(0));
    QVERIFY(!p->errorText().isEmpty());
    p->maskCanvas()->paintDisc(QPointF(8, 8), 4);  // a speck: no token's cell is half painted
    QVERIFY(p->maskCanvas()->maskCoverage() > 0);
    QCOMPARE(p->maskCanvas()->repaintedCellCount(), 0);
    QVERIFY(!p->repaintButton()->isEnabled());
    p->maskCanvas()->clearMask();

    // Repaint the left half: the 4×4 token grid keeps columns 2 and 3.
    p->maskCanvas()->paintRect(QRectF(0, 0, 32, 64));
    QCOMPARE(p->maskCanvas()->maskCoverage(), 0.5);
    QCOMPARE(p->maskCanvas()->repaintedCellCount(), 8);
    QVERIFY(p->repaintButton()->isEnabled());
    const quint64 a = finish(w, p->editMasked());
    QCOMPARE(w.runner()->record(a).status, JobStatus::Done);
    p->seedSpin()->setValue(99);
    const quint64 b = finish(w, p->editMasked());
    QCOMPARE(w.runner()->record(b).status, JobStatus::Done);
    QCOMPARE(p->gallery()->count(), 3);
    auto ra = resultOf(w.runner(), a), rb = resultOf(w.runner(), b);
    QVERIFY(ra && rb);
    const auto& ta = ra->tokens.at(0).back();  // last scale, 4×4
    const auto& tb = rb->tokens.at(0).back();
    QCOMPARE(int(ta.size()), 16);
    int repaintedDiffer = 0;
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 4; ++c) {
        if (c >= 2) QCOMPARE(ta[size_t(r * 4 + c)], tb[size_t(r * 4 + c)]);  // kept: teacher-forced
        else repaintedDiffer += ta[size_t(r * 4 + c)] != tb[size_t(r * 4 + c)];
      }
    QVERIFY(repaintedDiffer > 0);  // the painted half was sampled anew

    const GalleryEntry* e = p->gallery()->entry(p->gallery()->currentKey());
    QVERIFY(e->title.startsWith("edit"));
    const Json meta = parse_json(e->metadataJson.toStdString(), "test");
    QCOMPARE(meta["weft"]["job"].get<std::string>(), std::string("image-edit"));
    const QString mask = QString::fromStdString(meta["weft"]["request"]["mask"].get<std::string>());
    QVERIFY(QFileInfo(mask).isFile());
    const QImage maskImage(mask);
    QCOMPARE(qGray(maskImage.pixel(5, 5)), 0);     // painted → repaint (black)
    QCOMPARE(qGray(maskImage.pixel(60, 5)), 255);  // unpainted → keep (white)

    // Invert: out-painting keeps the left half instead; the edit re-runs from the history.
    p->maskCanvas()->invertMask();
    QCOMPARE(p->maskCanvas()->maskCoverage(), 0.5);
    QVERIFY(finish(w, p->rerun(p->gallery()->currentKey())));
    QVERIFY(sameImage(p->gallery()->entry(p->gallery()->currentKey())->image, e->image));
  }

  void errorsAreShownInThePanel() {
    MainWindow w;
    ImagePanel* p = open(w);
    QVERIFY(p);

    // Not JSON at all.
    const QString garbage = path("bad/garbage.json");
    QDir().mkpath(path("bad"));
    QFile f(garbage);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{ this is not json");
    f.close();
    QVERIFY(!p->openModel(garbage));
    QVERIFY(p->errorText().contains("garbage.json"));
    QVERIFY(p->errorText().contains("JSON"));
    QVERIFY(p->modelBox()->findData(QFileInfo(garbage).absoluteFilePath()) < 0);

    // A weight file that does not exist.
    Json j = fixtureJson();
    j["weights"]["var"] = "missing.pth";
    writeModel(path("bad/missing.json"), j);
    QVERIFY(!p->openModel(path("bad/missing.json")));
    QVERIFY(p->errorText().contains("missing.pth"));

    // Weights that do not fit: the job fails and says why; the panel stays usable.
    j = fixtureJson();
    j["weights"]["var"] = j["weights"]["vqvae"];
    writeModel(path("bad/wrong.json"), j);
    QVERIFY(p->openModel(path("bad/wrong.json")));
    QCOMPARE(p->currentModel().name, QString("wrong"));
    const quint64 failed = finish(w, p->generate());
    QCOMPARE(w.runner()->record(failed).status, JobStatus::Failed);
    QVERIFY(p->errorText().contains("failed"));
    QVERIFY(p->generateButton()->isEnabled());
    p->modelBox()->setCurrentIndex(p->modelBox()->findData(QFileInfo(model_).absoluteFilePath()));

    // A PNG whose request asks for class 12 of a 10-class model.
    image::GenerateRequest r;
    r.model = model_.toStdString();
    r.class_id = 12;
    r.seed = 5;
    PreviewImage px;
    px.width = px.height = 8;
    px.pixels.assign(8 * 8 * 3, 128);
    const QString outOfRange = path("class12.png");
    image::save_png(outOfRange.toStdString(), px, result_metadata("image-generate", r.to_json()));
    QSignalSpy restored(p, &ImagePanel::restored);
    dropFile(w, outOfRange);
    QTRY_COMPARE_WITH_TIMEOUT(restored.count(), 1, kJobTimeout);
    QVERIFY2(p->errorText().contains("class 12 is out of range"), qPrintable(p->errorText()));
    QCOMPARE(p->seedSpin()->value(), 5);  // the rest was restored

    // A corrupt PNG.
    const QString corrupt = path("corrupt.png");
    QFile c(corrupt);
    QVERIFY(c.open(QIODevice::WriteOnly));
    c.write(QByteArray("\x89PNG\r\n\x1a\n", 8) + QByteArray(300, 'x'));
    c.close();
    dropFile(w, corrupt);
    QTRY_VERIFY_WITH_TIMEOUT(p->errorText().contains("Cannot open the picture"), kJobTimeout);
  }

  void cancelNowAndAfterCurrent() {
    MainWindow w;
    ImagePanel* p = open(w);
    QVERIFY(p);
    set(p, 4, 21);
    p->countSpin()->setValue(64);  // 8 batches of 8
    const int before = p->gallery()->count();
    QSignalSpy previews(p, &ImagePanel::previewShown);
    quint64 id = p->generate();
    QVERIFY(id);
    QTRY_VERIFY_WITH_TIMEOUT(previews.count() >= 1, kJobTimeout);
    QVERIFY(p->cancelNowButton()->isEnabled());
    QVERIFY(!p->generateButton()->isEnabled());
    p->cancelNowButton()->click();
    QVERIFY(finish(w, id));
    QCOMPARE(w.runner()->record(id).status, JobStatus::Cancelled);
    QCOMPARE(p->gallery()->count(), before);  // nothing of the run is kept
    QVERIFY(p->generateButton()->isEnabled());
    QVERIFY(!p->cancelNowButton()->isEnabled());

    // After current: the running batch of 8 is finished and kept, the later ones are not sampled. (Usually exactly
    // one batch; on a loaded machine the worker may have begun the next before the click lands.)
    previews.clear();
    id = p->generate();
    QTRY_VERIFY_WITH_TIMEOUT(previews.count() >= 1, kJobTimeout);
    p->cancelAfterButton()->click();
    QVERIFY(finish(w, id));
    QCOMPARE(w.runner()->record(id).status, JobStatus::Cancelled);
    const int kept = p->gallery()->count() - before;
    QVERIFY2(kept >= 8 && kept < 64 && kept % 8 == 0, qPrintable(QString::number(kept)));
    QVERIFY(p->statusText().contains(QString("%1 picture").arg(kept)));
  }
};

QTEST_MAIN(TestImagePanel)
#include "test_image_panel.moc"
