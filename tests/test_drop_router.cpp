// DropRouter: classifies sample files by content and hands them to the right handler.
#include <QFile>
#include <QImage>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "shared/DropRouter.h"

using namespace weft::studio;

namespace {
const QString kFixtures = QStringLiteral(WEFT_SHARED_DIR "/fixtures");

void writeText(const QString& path, const QByteArray& text) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(text);
}
}  // namespace

class TestDropRouter : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

  QString make(const QString& name) { return dir_.filePath(name); }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    QDir(dir_.path()).mkpath("faces/happy");
    QImage img(8, 8, QImage::Format_RGB32);
    img.fill(Qt::red);
    QVERIFY(img.save(make("faces/happy/a.png")));
    QVERIFY(img.save(make("plain.png")));
    QVERIFY(img.save(make("photo.jpg")));
    QImage tagged = img;
    tagged.setText("weft", R"({"weft":{"job":"image-generate","request":{"seed":1}}})");
    QVERIFY(tagged.save(make("tagged.png")));
    QImage a1111 = img;
    a1111.setText("parameters", "a cat\nSteps: 10, Seed: 5");
    QVERIFY(a1111.save(make("a1111.png")));
    writeText(make("series.csv"), "date,HUFL,OT\n2016-07-01 00:00:00,5.8,30.5\n");
    writeText(make("semicolon.txt"), "time;value\n1;2\n");
    writeText(make("edges.csv"), "source,target\n0,1\n1,2\n");
    writeText(make("graph.json"), R"({"nodes": [[0,0,0],[1,0,0]], "edges": [[0,1]]})");
    writeText(make("other.json"), R"({"hello": 1})");
    writeText(make("empty.bin"), "");
    writeText(make("blob.bin"), QByteArray("\x00\x01\x02\x03garbage", 11));
    writeText(make("fake.png"), "not really a png");
    QDir(dir_.path()).mkpath("nothing_here");
    writeText(make("nothing_here/readme.txt"), "no images");
  }

  void classifies_data() {
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("kind");
    QTest::newRow("image folder") << make("faces") << int(DropKind::ImageFolder);
    QTest::newRow("folder without images") << make("nothing_here") << int(DropKind::Unknown);
    QTest::newRow("png") << make("plain.png") << int(DropKind::Image);
    QTest::newRow("jpeg") << make("photo.jpg") << int(DropKind::Image);
    QTest::newRow("png with weft request") << make("tagged.png") << int(DropKind::PngWithMetadata);
    QTest::newRow("png with a1111 parameters") << make("a1111.png") << int(DropKind::PngWithMetadata);
    QTest::newRow("csv") << make("series.csv") << int(DropKind::Csv);
    QTest::newRow("semicolon table") << make("semicolon.txt") << int(DropKind::Csv);
    QTest::newRow("edge list") << make("edges.csv") << int(DropKind::GraphFile);
    QTest::newRow("graph json") << make("graph.json") << int(DropKind::GraphFile);
    QTest::newRow("other json") << make("other.json") << int(DropKind::Unknown);
    QTest::newRow("empty") << make("empty.bin") << int(DropKind::Unknown);
    QTest::newRow("binary") << make("blob.bin") << int(DropKind::Unknown);
    QTest::newRow("text named .png") << make("fake.png") << int(DropKind::Unknown);
    QTest::newRow("missing") << make("missing.csv") << int(DropKind::Unknown);
    QTest::newRow("pth") << kFixtures + "/dlinear/weights.pth" << int(DropKind::Checkpoint);
    QTest::newRow("safetensors") << kFixtures + "/var/vqvae/weights.safetensors" << int(DropKind::Checkpoint);
    QTest::newRow("web dataset tuple") << kFixtures + "/spiderweb_transformer/dataset_webs_format_sample.pt"
                                       << int(DropKind::GraphFile);
    QTest::newRow("real timeseries csv") << QStringLiteral(WEFT_SHARED_DIR "/data/timeseries/ETTh1.csv") << int(DropKind::Csv);
  }
  void classifies() {
    QFETCH(QString, path);
    QFETCH(int, kind);
    DropClassification c = classifyDrop(path);
    QVERIFY2(int(c.kind) == kind, qPrintable(QString("%1 → %2 (%3)").arg(path, dropKindName(c.kind), c.reason)));
    QVERIFY(!c.reason.isEmpty());
  }

  void routesToHandlersAndReportsTheRest() {
    DropRouter router;
    QStringList opened;
    router.setHandler(DropKind::Checkpoint, [&](const QString& p) { opened << p; });
    QSignalSpy messages(&router, &DropRouter::message);
    const QString ckpt = kFixtures + "/dlinear/weights.pth";
    int handled = router.route({QUrl::fromLocalFile(ckpt), QUrl::fromLocalFile(make("series.csv")),
                                QUrl::fromLocalFile(make("blob.bin")), QUrl("https://example.com/x.pth")});
    QCOMPARE(handled, 1);
    QCOMPARE(opened, QStringList{ckpt});
    QCOMPARE(messages.count(), 4);
    // The CSV is recognised but no panel owns it in this build: a clear message, flagged as a problem.
    QVERIFY(messages.at(1).at(0).toString().contains("CSV table"));
    QCOMPARE(messages.at(1).at(1).toBool(), true);
    QVERIFY(messages.at(2).at(0).toString().contains("not opened"));
    QVERIFY(messages.at(3).at(0).toString().contains("only local files"));
  }
};

QTEST_MAIN(TestDropRouter)
#include "test_drop_router.moc"
