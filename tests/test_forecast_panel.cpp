// The Forecast tab end to end, through the real window and job thread: dropping the bundled ETTh1.csv shows its
// parse report and columns; a quick DLinear run streams loss points, then the saved model forecasts and the plot
// has history, backtest, forecast and bands in real units; the variate selector switches the plotted column; the
// forecast exports as CSV and the plot as PNG (and SVG); a CSV with text in a number column is refused with the
// line and column named; cancelling a training run ends it as Cancelled with the panel usable again.
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QMimeData>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QChart>
#include <QtTest>
#include <cmath>

#include "series/ForecastChart.h"
#include "series/ForecastPanel.h"
#include "series/LossChart.h"
#include "shared/JobRunner.h"
#include "shared/LogDock.h"
#include "gui_drop.h"
#include "shared/MainWindow.h"

using namespace weft::studio;
using weft::studio::testing::dropFile;

namespace {

const QString kSample = QStringLiteral(WEFT_SOURCE_DIR "/resources/data/ETTh1.csv");

QStringList readLines(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly | QIODevice::Text)) return {};
  QStringList lines;
  while (!f.atEnd()) {
    const QString line = QString::fromUtf8(f.readLine()).trimmed();
    if (!line.isEmpty()) lines << line;
  }
  return lines;
}

}  // namespace

class TestForecastPanel : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

 private slots:
  void initTestCase() {
    QCoreApplication::setOrganizationName("WeftTests");
    QCoreApplication::setApplicationName("test_forecast_panel");
    QSettings().clear();
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));  // the report's "2,785" groupings
    QVERIFY(dir_.isValid());
    QVERIFY2(QFileInfo(kSample).isFile(), qPrintable(kSample));
  }

  void droppedSampleTrainsForecastsAndExports() {
    MainWindow w;
    w.resize(1400, 900);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    ForecastPanel* panel = w.forecast();
    QVERIFY(panel);
    panel->setOutputFolder(dir_.path());
    QCOMPARE(ForecastPanel::sampleCsvPath(), QFileInfo(kSample).canonicalFilePath());
    QVERIFY(!panel->trainButton()->isEnabled());  // nothing to train on yet
    QVERIFY(!panel->exportCsvButton()->isEnabled());
    QVERIFY(!panel->savePlotButton()->isEnabled());

    // Drop → parse report and column chooser.
    dropFile(w, kSample);
    QCOMPARE(w.tabs()->currentWidget(), static_cast<QWidget*>(panel));
    QTRY_COMPARE_WITH_TIMEOUT(panel->columnTable()->rowCount(), 7, 30000);
    QVERIFY2(panel->errorText().isEmpty(), qPrintable(panel->errorText()));
    const QString report = panel->reportText();
    QVERIFY2(report.contains("ETTh1.csv") && report.contains("step 1 h") && report.contains("regular"), qPrintable(report));
    QVERIFY2(report.contains("test windows"), qPrintable(report));  // the split check for lookback/horizon
    QCOMPARE(panel->checkedColumns(), QStringList({"HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"}));
    QCOMPARE(panel->targetBox()->currentText(), QString("OT"));
    QVERIFY(panel->trainButton()->isEnabled());
    QVERIFY(!panel->cancelButton()->isEnabled());

    // The window counts follow the horizon as it is edited (ETTh1's test split: 2880 - H + 1 windows).
    panel->horizonSpin()->setValue(720);
    QVERIFY2(panel->reportText().contains("horizon 720") && panel->reportText().contains("2,161 test windows"),
             qPrintable(panel->reportText()));
    panel->horizonSpin()->setValue(96);
    QVERIFY(panel->reportText().contains("2,785 test windows"));

    // Quick settings: DLinear, 1 epoch of 256 windows.
    QCOMPARE(panel->modelBox()->currentData().toString(), QString("dlinear"));
    panel->quickRunBox()->setChecked(true);
    QCOMPARE(panel->epochsSpin()->value(), 1);
    QCOMPARE(panel->windowsSpin()->value(), 256);
    QVERIFY(!panel->epochsSpin()->isEnabled());
    QTest::mouseClick(panel->trainButton(), Qt::LeftButton);
    const quint64 trainId = panel->lastTrainJob();
    QVERIFY(trainId != 0);
    // ETTh1 is a benchmark file: DLinear gets the learning rate of the script its published numbers come from.
    QVERIFY2(w.runner()->record(trainId).spec.requestJson.contains("\"learning_rate\":0.005"),
             qPrintable(w.runner()->record(trainId).spec.requestJson));
    QVERIFY(!panel->trainButton()->isEnabled());
    QVERIFY(panel->cancelButton()->isEnabled());

    QTRY_VERIFY_WITH_TIMEOUT(panel->hasForecast() || !panel->errorText().isEmpty(), 180000);
    QVERIFY2(panel->errorText().isEmpty(), qPrintable(panel->errorText()));
    QCOMPARE(w.runner()->record(trainId).status, JobStatus::Done);
    QTRY_VERIFY(panel->trainButton()->isEnabled());
    QVERIFY(!panel->cancelButton()->isEnabled());

    // Live curves: several running training-loss points and the validation MSE of the epoch.
    QVERIFY2(panel->lossChart()->pointCount("train") >= 3, qPrintable(QString::number(panel->lossChart()->pointCount("train"))));
    QCOMPARE(panel->lossChart()->pointCount("val"), 1);

    // The run folder documents itself.
    const QDir run(panel->lastRunFolder());
    QVERIFY2(run.path().startsWith(dir_.path() + "/forecast/ETTh1-dlinear-"), qPrintable(run.path()));
    for (const char* f : {"model.safetensors", "train.json", "forecast.csv", "forecast.json"})
      QVERIFY2(run.exists(f), f);

    // The plot: the target's full history in real units, backtest, forecast and bands.
    ForecastChart* chart = panel->chart();
    QCOMPARE(panel->variateBox()->count(), 7);
    QCOMPARE(panel->variateBox()->currentText(), QString("OT"));
    QCOMPARE(chart->historyY().size(), std::size_t(17420));
    QVERIFY(std::abs(chart->historyY().front() - 30.531) < 1e-4);  // OT in the first data row, as in the file
    QVERIFY(!chart->backtestY().empty());
    QCOMPARE(chart->forecastY().size(), std::size_t(96));
    QVERIFY(chart->bandCount() >= 2);
    bool forecastBand = false;
    for (int i = 0; i < chart->bandCount(); ++i) {
      QVERIFY(chart->bandSize(i) > 0);
      forecastBand |= chart->bandName(i).startsWith("forecast") && chart->bandSize(i) == 96;
    }
    QVERIFY(forecastBand);
    for (double v : chart->forecastY()) QVERIFY(std::isfinite(v) && v > -50 && v < 100);  // °C, not z-scores
    QTRY_VERIFY(chart->plottedPoints() > 0);
    QVERIFY(chart->readoutAt(chart->forecastX().front()).contains("forecast"));
    QVERIFY(panel->exportCsvButton()->isEnabled());
    QVERIFY(panel->savePlotButton()->isEnabled());

    // The variate selector switches the plotted column.
    const std::vector<double> otForecast = chart->forecastY();
    panel->variateBox()->setCurrentIndex(panel->variateBox()->findText("HUFL"));
    QVERIFY(std::abs(chart->historyY().front() - 5.827) < 1e-4);  // HUFL in the first data row
    QCOMPARE(chart->forecastY().size(), std::size_t(96));
    QVERIFY(chart->forecastY() != otForecast);
    QVERIFY(chart->chart()->title().contains("HUFL"));
    panel->variateBox()->setCurrentIndex(panel->variateBox()->findText("OT"));
    QCOMPARE(chart->forecastY(), otForecast);

    // Export: one row per forecast step, the header naming the columns.
    const QString csv = dir_.filePath("export/forecast.csv");
    QDir().mkpath(dir_.filePath("export"));
    const quint64 exportId = panel->exportCsv(csv);
    QVERIFY(exportId != 0);
    QTRY_COMPARE_WITH_TIMEOUT(w.runner()->record(exportId).status, JobStatus::Done, 20000);
    const QStringList lines = readLines(csv);
    QVERIFY(!lines.isEmpty());
    for (const char* name : {"date", "HUFL", "OT"}) QVERIFY2(lines.front().contains(name), qPrintable(lines.front()));
    QCOMPARE(lines.size() - 1, 96);
    QVERIFY(lines[1].startsWith("2018-06-26 20:00"));  // the hour after the last row

    // Plot images: a decodable PNG, and SVG when the build has Qt Svg.
    const QString png = dir_.filePath("export/plot.png");
    QVERIFY2(panel->savePlot(png), qPrintable(panel->errorText()));
    const QImage image(png);
    QVERIFY(!image.isNull());
    QVERIFY(image.width() > 200 && image.height() > 100);
    if (ForecastChart::svgAvailable()) {
      const QString svg = dir_.filePath("export/plot.svg");
      QVERIFY2(panel->savePlot(svg), qPrintable(panel->errorText()));
      QFile f(svg);
      QVERIFY(f.open(QIODevice::ReadOnly));
      const QByteArray text = f.readAll();
      QVERIFY(text.contains("<svg") && text.contains("<path"));
    }
    QTRY_VERIFY(w.log()->text().contains("Exported 96 forecast rows"));

    // "Open model…": the saved model forecasts the loaded CSV again, identically.
    panel->openModel(run.filePath("model.safetensors"));
    QVERIFY(!panel->hasForecast() || panel->busy());
    QTRY_VERIFY_WITH_TIMEOUT(!panel->busy(), 60000);
    QVERIFY2(panel->errorText().isEmpty(), qPrintable(panel->errorText()));
    QVERIFY(panel->hasForecast());
    QCOMPARE(panel->variateBox()->currentText(), QString("OT"));
    QCOMPARE(chart->forecastY(), otForecast);
    // A file that is not a model is refused with a message, and the forecast shown stays.
    panel->openModel(csv);
    QTRY_VERIFY_WITH_TIMEOUT(!panel->busy(), 60000);
    QVERIFY(!panel->errorText().isEmpty());
    qInfo("not a model: %s", qPrintable(panel->errorText()));
    QVERIFY(panel->hasForecast());
    QCOMPARE(chart->forecastY(), otForecast);
  }

  void textInNumberColumnIsRefusedClearly() {
    const QString bad = dir_.filePath("bad.csv");
    {
      QFile f(bad);
      QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Text));
      f.write("date,load,temp\n");
      for (int i = 0; i < 200; ++i) {
        const QString temp = i == 148 ? QString("oops") : QString::number(20 + i % 7);  // file line 150
        f.write(QString("2020-01-%1 %2:00:00,%3,%4\n")
                    .arg(1 + i / 24, 2, 10, QChar('0'))
                    .arg(i % 24, 2, 10, QChar('0'))
                    .arg(i * 0.5)
                    .arg(temp)
                    .toUtf8());
      }
    }
    MainWindow w;
    w.show();
    ForecastPanel* panel = w.forecast();
    panel->setOutputFolder(dir_.path());
    dropFile(w, bad);
    QTRY_VERIFY_WITH_TIMEOUT(!panel->errorText().isEmpty(), 20000);
    const QString error = panel->errorText();
    QVERIFY2(error.contains("line 150") && error.contains("\"temp\"") && error.contains("oops"), qPrintable(error));
    QVERIFY(w.log()->text().contains("line 150"));
    QCOMPARE(panel->columnTable()->rowCount(), 0);
    QVERIFY(!panel->trainButton()->isEnabled());
    QVERIFY(!panel->hasForecast());
    // The panel stays usable: the good file opens after the bad one and clears the error.
    dropFile(w, kSample);
    QTRY_COMPARE_WITH_TIMEOUT(panel->columnTable()->rowCount(), 7, 30000);
    QVERIFY(panel->errorText().isEmpty());
    QVERIFY(panel->trainButton()->isEnabled());
  }

  void cancelDuringTraining() {
    MainWindow w;
    w.show();
    ForecastPanel* panel = w.forecast();
    panel->setOutputFolder(dir_.path());
    panel->openCsv(kSample);
    QTRY_COMPARE_WITH_TIMEOUT(panel->columnTable()->rowCount(), 7, 30000);
    panel->quickRunBox()->setChecked(false);
    panel->epochsSpin()->setValue(10);
    panel->windowsSpin()->setValue(0);  // every window: minutes of work, so the cancel lands mid-run
    QTest::mouseClick(panel->trainButton(), Qt::LeftButton);
    const quint64 id = panel->lastTrainJob();
    QVERIFY(id != 0);
    QTRY_VERIFY_WITH_TIMEOUT(panel->lossChart()->pointCount("train") >= 1, 60000);  // it is really training
    QVERIFY(panel->cancelButton()->isEnabled());
    QTest::mouseClick(panel->cancelButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(w.runner()->record(id).status, JobStatus::Cancelled, 30000);
    QTRY_VERIFY(panel->trainButton()->isEnabled());
    QVERIFY(!panel->cancelButton()->isEnabled());
    QVERIFY(panel->epochsSpin()->isEnabled());
    QVERIFY(!panel->hasForecast());
    QVERIFY(panel->errorText().isEmpty());  // a cancel is not an error
  }
};

QTEST_MAIN(TestForecastPanel)
#include "test_forecast_panel.moc"
