#pragma once
// The Forecast tab. A CSV (dropped, opened, or the bundled sample) is read on the job thread and its parse report
// shown with a column chooser; the user picks model, lookback and horizon and trains on the job thread, watching
// the loss curves live, with cancel. The saved model then forecasts automatically: history, a backtest on the
// test split and the horizon past the last row, each with 80/95 % bands, plotted per variate. The forecast
// exports as CSV in real units and the plot as PNG or SVG. An existing model.safetensors can be opened too.
// The panel only builds requests and shows results: core/series does the work (and no LibTorch header is seen).
#include <QString>
#include <QStringList>
#include <QWidget>
#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QStackedWidget;
class QTableWidget;

namespace weft::series {
struct CsvInspectResult;
struct PredictResult;
}

namespace weft::studio {

class JobRunner;
class ForecastChart;
class LossChart;

class ForecastPanel : public QWidget {
  Q_OBJECT
 public:
  explicit ForecastPanel(JobRunner* runner, QWidget* parent = nullptr);
  ~ForecastPanel() override;

  void openCsv(const QString& path);          // reads it on the job thread; the report fills when done
  void openModel(const QString& modelPath);   // forecasts with an existing model on the loaded CSV (or its own)
  quint64 train();                            // the job id, or 0 (the reason is shown) when training cannot start
  void cancel();                              // stops the running inspect/train/forecast job now
  quint64 exportCsv(const QString& path);     // the forecast in real units, written on the job thread; 0: none
  bool savePlot(const QString& path);         // .svg as vector graphics, else PNG; false: error shown
  void setOutputFolder(const QString& folder) { outputFolder_ = folder; }
  static QString sampleCsvPath();             // the bundled ETTh1.csv, or "" when it cannot be found

  // What the panel shows, for the main window and the tests.
  QString csvPath() const { return csv_; }
  QString errorText() const;                  // the error shown in the panel ("" when none)
  QString reportText() const;
  QStringList checkedColumns() const;
  bool busy() const { return pending_ != 0; }
  bool hasForecast() const { return bool(result_); }
  QString lastRunFolder() const { return runFolder_; }
  quint64 lastTrainJob() const { return lastTrain_; }
  ForecastChart* chart() const { return chart_; }
  LossChart* lossChart() const { return loss_; }
  QTableWidget* columnTable() const { return columns_; }
  QComboBox* targetBox() const { return target_; }
  QComboBox* modelBox() const { return model_; }
  QComboBox* variateBox() const { return variate_; }
  QComboBox* viewBox() const { return view_; }
  QSpinBox* lookbackSpin() const { return lookback_; }
  QSpinBox* horizonSpin() const { return horizon_; }
  QSpinBox* epochsSpin() const { return epochs_; }
  QSpinBox* windowsSpin() const { return windows_; }
  QCheckBox* quickRunBox() const { return quick_; }
  QPushButton* trainButton() const { return trainButton_; }
  QPushButton* cancelButton() const { return cancelButton_; }
  QPushButton* exportCsvButton() const { return exportButton_; }
  QPushButton* savePlotButton() const { return savePlotButton_; }

 signals:
  void problem(const QString& text);  // an error the user should see in the log too
  void info(const QString& text);     // a result worth a log line

 private:
  enum class Pending { None, Inspect, Train, Predict, Export };
  void buildUi();
  void chooseCsv();
  void chooseModel();
  void chooseExportCsv();
  void chooseSavePlot();
  void runPredict(const QString& modelPath, const QString& csv, const QString& folder);
  void onFinished(quint64 id);
  void onProgress(quint64 id, double fraction, const QString& stage);
  void onMetric(quint64 id, const QString& series, double x, double y);
  void showError(const QString& text);
  void clearError();
  void updateEnabled();
  void refreshTargets();
  void showVariate(int index);
  void applyView();                 // zooms to the part chosen in "Show:"
  void setQuickRun(bool on);
  void updateSplitCheck();

  JobRunner* runner_;
  QString outputFolder_;
  QString csv_;                     // the CSV whose report is shown ("" until one was read)
  QString runFolder_;               // output folder of the last training run
  QString trainSummary_;            // the last training's scores, kept while the forecast runs
  quint64 pending_ = 0;             // the one job this panel waits for
  Pending pendingKind_ = Pending::None;
  quint64 lastTrain_ = 0;
  bool haveReport_ = false;
  std::shared_ptr<const series::CsvInspectResult> inspected_;  // the report shown
  std::shared_ptr<const series::PredictResult> result_;
  int savedEpochs_ = 10, savedWindows_ = 0;  // restored when "Quick run" is switched off

  QLabel* error_;
  QLabel* file_;
  QLabel* report_;
  QTableWidget* columns_;
  QComboBox* target_;
  QWidget* targetRow_;
  QComboBox* model_;
  QSpinBox* lookback_;
  QSpinBox* horizon_;
  QSpinBox* epochs_;
  QSpinBox* windows_;
  QCheckBox* quick_;
  QComboBox* fill_;
  QPushButton* openButton_;
  QPushButton* sampleButton_;
  QPushButton* modelButton_;
  QPushButton* trainButton_;
  QPushButton* cancelButton_;
  QProgressBar* progress_;
  QLabel* status_;
  LossChart* loss_;
  QStackedWidget* plotStack_;
  ForecastChart* chart_;
  QComboBox* variate_;
  QComboBox* view_;
  QPushButton* exportButton_;
  QPushButton* savePlotButton_;
  QLabel* summary_;
};

}  // namespace weft::studio
