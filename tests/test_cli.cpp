// The `weft` command line, run as a user would: info, inspect, convert, and clear errors with exit codes.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "cli_run.h"
#include "common/safetensors.h"

namespace {
const QString kFixtures = QStringLiteral(WEFT_SHARED_DIR "/fixtures");
using weft::testing::runWeft;
using Run = weft::testing::CliRun;
}  // namespace

class TestCli : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

 private slots:
  void info() {
    Run r = runWeft({"info"});
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.contains("LibTorch"));
    QVERIFY(r.out.contains("BLAS"));
    QVERIFY(r.out.contains("Threads"));
  }

  void inspectListsEveryTensor() {
    Run r = runWeft({"inspect", kFixtures + "/var/vqvae/weights.pth"});
    QCOMPARE(r.code, 0);
    auto expected = weft::read_safetensors((kFixtures + "/var/vqvae/weights.safetensors").toStdString(), false);
    for (const auto& t : expected.tensors) QVERIFY2(r.out.contains(QString::fromStdString(t.name)), t.name.c_str());
    QVERIFY(r.out.contains(QString("%1 tensors").arg(expected.tensors.size())));
    Run j = runWeft({"inspect", "--json", kFixtures + "/dlinear/weights.pth"});
    QCOMPARE(j.code, 0);
    QVERIFY(j.out.contains("\"Linear_Trend.weight\""));
  }

  void convertEqualsTheReference() {
    const QString out = dir_.filePath("dlinear.safetensors");
    Run r = runWeft({"convert", kFixtures + "/dlinear_individual/weights.pth", out});
    QCOMPARE(r.code, 0);
    auto ours = weft::read_safetensors(out.toStdString());
    auto ref = weft::read_safetensors((kFixtures + "/dlinear_individual/weights.safetensors").toStdString());
    QCOMPARE(ours.tensors.size(), ref.tensors.size());
    for (const auto& t : ref.tensors) {
      const weft::TensorRecord* mine = weft::find_tensor(ours.tensors, t.name);
      QVERIFY2(mine, t.name.c_str());
      QVERIFY(mine->shape == t.tensor.shape && mine->dtype == t.tensor.dtype && mine->data == t.tensor.data);
    }
    QCOMPARE(QString::fromStdString(ours.metadata.at("source")), QString("weights.pth"));
  }

  void errorsAreClearAndNonZero() {
    Run missing = runWeft({"inspect", dir_.filePath("nope.pth")});
    QCOMPARE(missing.code, 1);
    QVERIFY(missing.err.contains("no such file"));
    QFile bad(dir_.filePath("bad.safetensors"));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write(QByteArray("\xff\xff\xff\xff\x00\x00\x00\x00{}", 10));
    bad.close();
    Run corrupt = runWeft({"inspect", bad.fileName()});
    QCOMPARE(corrupt.code, 1);
    QVERIFY(corrupt.err.startsWith("error: "));
    // A failed conversion leaves no output file behind.
    const QString out = dir_.filePath("never.safetensors");
    Run conv = runWeft({"convert", bad.fileName(), out});
    QCOMPARE(conv.code, 1);
    QVERIFY(!QFile::exists(out));
    Run usage = runWeft({"frobnicate"});
    QVERIFY(usage.code != 0);
  }
};

QTEST_APPLESS_MAIN(TestCli)
#include "test_cli.moc"
