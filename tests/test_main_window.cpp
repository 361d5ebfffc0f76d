// The studio window: opens with its docks, takes a screenshot, opens a dropped checkpoint through the job
// thread, reports a malicious one without crashing, and stores settings.
#include <QDockWidget>
#include <QMimeData>
#include <QSettings>
#include <QTableWidget>
#include <QTabWidget>
#include <QTreeWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "common/safetensors.h"
#include "inspector/CheckpointPanel.h"
#include "shared/JobRunner.h"
#include "shared/JobsDock.h"
#include "shared/LogDock.h"
#include "gui_drop.h"
#include "shared/MainWindow.h"
#include "shared/SettingsDialog.h"

using namespace weft::studio;

class TestMainWindow : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

 private slots:
  void initTestCase() {
    QCoreApplication::setOrganizationName("WeftTests");
    QCoreApplication::setApplicationName("test_main_window");
    QSettings().clear();
  }

  void opensAndScreenshots() {
    MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(w.findChild<QDockWidget*>("JobsDock"));
    QVERIFY(w.findChild<QDockWidget*>("LogDock"));
    QVERIFY(w.tabs()->count() >= 1);
    QImage shot = w.grab().toImage();
    QVERIFY(!shot.isNull());
    QCOMPARE(shot.size(), w.size());
    const QString path = dir_.filePath("studio.png");
    QVERIFY(shot.save(path));
    QVERIFY(QImage(path).width() > 0);
    QVERIFY(w.log()->text().contains("BLAS:"));
  }

  void droppedCheckpointIsInspected() {
    MainWindow w;
    w.show();
    const QString file = QStringLiteral(WEFT_SHARED_DIR "/fixtures/var/transformer/weights.pth");
    const auto expected = weft::read_safetensors(WEFT_SHARED_DIR "/fixtures/var/transformer/weights.safetensors", false);
    weft::studio::testing::dropFile(w, file);
    QTRY_COMPARE_WITH_TIMEOUT(w.checkpoints()->table()->rowCount(), int(expected.tensors.size()), 10000);
    QCOMPARE(w.checkpoints()->currentPath(), file);
    // The job went through the queue and is in the history with its parameters.
    QTRY_COMPARE(w.jobs()->historyView()->topLevelItemCount(), 1);
    QCOMPARE(w.jobs()->historyView()->topLevelItem(0)->text(1), QString("done"));
    bool sawLvl = false;
    for (int r = 0; r < w.checkpoints()->table()->rowCount(); ++r)
      if (w.checkpoints()->table()->item(r, 0)->text() == "lvl_1L") {
        sawLvl = true;
        QCOMPARE(w.checkpoints()->table()->item(r, 1)->text(), QString("I64"));
      }
    QVERIFY(sawLvl);
  }

  void maliciousCheckpointIsRefusedClearly() {
    // A zip that holds a pickle calling os.system: the reader must refuse it and the studio must say so.
    const QString bad = dir_.filePath("evil.pth");
    {
      static const char kPickle[] = "\x80\x02" "cposix\nsystem\n" "X\x02\x00\x00\x00id" "\x85R.";
      const QByteArray pickle(kPickle, sizeof kPickle - 1);
      QVERIFY(writeStoredZip(bad, "evil/data.pkl", pickle));
    }
    MainWindow w;
    w.show();
    w.checkpoints()->open(bad);
    QTRY_VERIFY_WITH_TIMEOUT(w.log()->text().contains("posix system"), 10000);
    QCOMPARE(w.checkpoints()->table()->rowCount(), 0);
  }

  void settingsPersist() {
    StudioSettings s = StudioSettings::load();
    QCOMPARE(s.threads, 1);
    s.threads = 3;
    s.previewRate = 12;
    s.outputFolder = dir_.path();
    s.save();
    StudioSettings back = StudioSettings::load();
    QCOMPARE(back.threads, 3);
    QCOMPARE(back.previewRate, 12.0);
    QCOMPARE(back.outputFolder, dir_.path());
    SettingsDialog dialog(back);
    QCOMPARE(dialog.settings().threads, 3);
    QCOMPARE(dialog.settings().device, QString("cpu"));
    MainWindow w;
    QCOMPARE(w.runner()->threads(), 3);
  }

 private:
  // Minimal stored (uncompressed) zip writer, enough for a one-entry archive.
  static bool writeStoredZip(const QString& path, const QByteArray& name, const QByteArray& data) {
    auto le16 = [](QByteArray& b, quint16 v) { b.append(char(v & 0xff)).append(char(v >> 8)); };
    auto le32 = [&](QByteArray& b, quint32 v) { le16(b, v & 0xffff); le16(b, v >> 16); };
    const quint32 crc = crc32(data);
    QByteArray out;
    le32(out, 0x04034b50); le16(out, 20); le16(out, 0); le16(out, 0); le16(out, 0); le16(out, 0);
    le32(out, crc); le32(out, data.size()); le32(out, data.size()); le16(out, name.size()); le16(out, 0);
    out += name;
    out += data;
    const quint32 central = out.size();
    le32(out, 0x02014b50); le16(out, 20); le16(out, 20); le16(out, 0); le16(out, 0); le16(out, 0); le16(out, 0);
    le32(out, crc); le32(out, data.size()); le32(out, data.size()); le16(out, name.size());
    le16(out, 0); le16(out, 0); le16(out, 0); le16(out, 0); le32(out, 0); le32(out, 0);
    out += name;
    const quint32 centralSize = out.size() - central;
    le32(out, 0x06054b50); le16(out, 0); le16(out, 0); le16(out, 1); le16(out, 1);
    le32(out, centralSize); le32(out, central); le16(out, 0);
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(out) == out.size();
  }
  static quint32 crc32(const QByteArray& data) {
    quint32 c = 0xffffffffu;
    for (char ch : data) {
      c ^= quint8(ch);
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
  }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
