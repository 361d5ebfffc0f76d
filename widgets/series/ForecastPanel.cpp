#include "series/ForecastPanel.h"

#include <QChart>
#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <utility>

#include "common/atomic_file.h"
#include "series/ForecastChart.h"
#include "series/LossChart.h"
#include "common/error.h"
#include "series/inspect_csv.h"
#include "series/predict.h"
#include "series/published.h"
#include "series/trainer.h"
#include "shared/JobRunner.h"

namespace weft::studio {

namespace {

using series::CsvInspectRequest;
using series::CsvInspectResult;
using series::PredictRequest;
using series::PredictResult;
using series::TrainRequest;
using series::TrainResult;

const QColor kBacktestBand(31, 119, 180);

QString q(const std::string& s) { return QString::fromStdString(s); }

QString levelName(double level) { return QString("%1 %").arg(level * 100.0, 0, 'f', 0); }

std::vector<double> xsOf(const series::ForecastBlock& b, bool dated) {
  std::vector<double> x(b.rows());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = dated ? double(b.time[i]) * 1000.0 : double(b.time[i]);
  return x;
}

// Column `c` of a rows × cols row-major block.
std::vector<double> columnOf(const std::vector<double>& values, std::size_t rows, std::size_t cols, std::size_t c) {
  std::vector<double> y(rows);
  for (std::size_t i = 0; i < rows && i * cols + c < values.size(); ++i) y[i] = values[i * cols + c];
  return y;
}

QString reportHtml(const CsvInspectResult& res) {
  const series::ParseReport& r = res.report;
  QLocale l;
  QStringList lines;
  lines << QObject::tr("<b>%1</b> — %2 rows, %3 numeric columns")
               .arg(q(r.source).toHtmlEscaped(), l.toString(qulonglong(r.rows)), QString::number(r.columns.size()));
  if (r.has_time()) {
    QString time = QObject::tr("time column “%1”: %2 → %3")
                       .arg(q(r.date_column).toHtmlEscaped(), q(series::format_timestamp(r.first)),
                            q(series::format_timestamp(r.last)));
    if (r.step > 0) time += QObject::tr(", step %1").arg(q(series::format_duration(r.step)));
    lines << time;
    lines << (r.regular() ? QObject::tr("regular: no gaps, no irregular or repeated timestamps")
                          : QObject::tr("<span style='color:#a15c00'>%1 gaps (%2 missing steps), %3 irregular, "
                                        "%4 out of order</span>")
                                .arg(r.gaps).arg(r.missing_steps).arg(r.irregular).arg(r.out_of_order));
  } else {
    lines << QObject::tr("no date column: rows are taken as equally spaced");
  }
  if (r.missing_values)
    lines << QObject::tr("<span style='color:#a15c00'>%1 missing values, the first at %2</span>")
                 .arg(r.missing_values)
                 .arg(q(r.first_missing).toHtmlEscaped());
  if (!r.ignored_columns.empty()) {
    QStringList names;
    for (const auto& n : r.ignored_columns) names << q(n).toHtmlEscaped();
    lines << QObject::tr("ignored text columns: %1").arg(names.join(", "));
  }
  if (res.split_checked) {
    if (res.split_error.empty()) {
      const auto w = [&](const series::SplitRange& s) {
        return l.toString(qulonglong(s.windows(res.request.seq_len, res.request.pred_len)));
      };
      lines << QObject::tr("lookback %1, horizon %2: %3 train / %4 validation / %5 test windows")
                   .arg(res.request.seq_len).arg(res.request.pred_len)
                   .arg(w(res.splits.train), w(res.splits.val), w(res.splits.test));
    } else {
      lines << QObject::tr("<span style='color:#b00020'>%1</span>").arg(q(res.split_error).toHtmlEscaped());
    }
  }
  for (const auto& issue : r.issues) lines << "• " + q(issue).toHtmlEscaped();
  return lines.join("<br>");
}

}  // namespace

ForecastPanel::ForecastPanel(JobRunner* runner, QWidget* parent) : QWidget(parent), runner_(runner) {
  buildUi();
  connect(runner_, &JobRunner::jobFinished, this, &ForecastPanel::onFinished);
  connect(runner_, &JobRunner::jobProgress, this, &ForecastPanel::onProgress);
  connect(runner_, &JobRunner::jobMetric, this, &ForecastPanel::onMetric);
  updateEnabled();
}

ForecastPanel::~ForecastPanel() = default;

void ForecastPanel::buildUi() {
  // --- left column: data, model, training -------------------------------------------------------------------
  openButton_ = new QPushButton(tr("Open CSV…"));
  sampleButton_ = new QPushButton(tr("Open sample (ETTh1)"));
  sampleButton_->setToolTip(tr("Hourly load and oil temperature of an electricity transformer, 2016–2018 "
                               "(ETDataset, CC BY-ND 4.0)"));
  sampleButton_->setEnabled(!sampleCsvPath().isEmpty());
  modelButton_ = new QPushButton(tr("Open model…"));
  modelButton_->setToolTip(tr("Forecast with a model.safetensors trained before, on the loaded CSV "
                              "(or on the CSV it was trained on)"));
  auto* openRow = new QHBoxLayout;
  openRow->addWidget(openButton_);
  openRow->addWidget(sampleButton_);
  openRow->addWidget(modelButton_);

  file_ = new QLabel(tr("No data yet: drop a CSV on the window."));
  file_->setWordWrap(true);
  report_ = new QLabel;
  report_->setWordWrap(true);
  report_->setTextFormat(Qt::RichText);
  report_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  report_->hide();

  columns_ = new QTableWidget(0, 5);
  columns_->setHorizontalHeaderLabels({tr("Column"), tr("Min"), tr("Max"), tr("Mean"), tr("Missing")});
  columns_->verticalHeader()->hide();
  columns_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  columns_->setSelectionMode(QAbstractItemView::NoSelection);
  columns_->verticalHeader()->setDefaultSectionSize(columns_->fontMetrics().height() + 6);
  columns_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  columns_->horizontalHeader()->setStretchLastSection(true);
  columns_->setToolTip(tr("Tick the columns the model learns from; the target is forecast with them"));
  target_ = new QComboBox;
  target_->setToolTip(tr("The column the plot shows first (the official loaders put it last)"));

  auto* dataBox = new QGroupBox(tr("Data"));
  auto* dataLayout = new QVBoxLayout(dataBox);
  dataLayout->addLayout(openRow);
  dataLayout->addWidget(file_);
  dataLayout->addWidget(report_);
  dataLayout->addWidget(columns_);
  targetRow_ = new QWidget;
  auto* targetRow = new QFormLayout(targetRow_);
  targetRow->setContentsMargins(0, 0, 0, 0);
  targetRow->addRow(tr("&Target:"), target_);
  dataLayout->addWidget(targetRow_);
  columns_->hide();  // shown with the first report
  targetRow_->hide();

  model_ = new QComboBox;
  model_->addItem("DLinear", "dlinear");
  model_->addItem("iTransformer", "itransformer");
  model_->addItem("PatchTST", "patchtst");
  model_->addItem("Autoformer", "autoformer");
  model_->addItem("Informer", "informer");
  model_->setToolTip(tr("DLinear trains in seconds on a CPU; the transformers are slower and often better"));
  lookback_ = new QSpinBox;
  lookback_->setRange(2, 4096);
  lookback_->setValue(96);
  lookback_->setSuffix(tr(" steps"));
  lookback_->setToolTip(tr("How many past steps the model sees (seq_len)"));
  horizon_ = new QSpinBox;
  horizon_->setRange(1, 2048);
  horizon_->setValue(96);
  horizon_->setSuffix(tr(" steps"));
  horizon_->setToolTip(tr("How many steps it forecasts (pred_len); the papers use 96, 192, 336, 720"));
  epochs_ = new QSpinBox;
  epochs_->setRange(1, 1000);
  epochs_->setValue(savedEpochs_);
  epochs_->setToolTip(tr("At most this many epochs; training stops early when validation stops improving"));
  windows_ = new QSpinBox;
  windows_->setRange(0, 10000000);
  windows_->setSingleStep(256);
  windows_->setSpecialValueText(tr("all"));
  windows_->setValue(savedWindows_);
  windows_->setToolTip(tr("Training windows per epoch: a seeded random subset makes quick trials quick"));
  quick_ = new QCheckBox(tr("Quick run (1 epoch, 256 windows)"));
  quick_->setToolTip(tr("A first look in seconds; untick for the full recipe"));
  fill_ = new QComboBox;
  fill_->addItem(tr("refuse (report gaps)"), "refuse");
  fill_->addItem(tr("carry the last value forward"), "forward");
  fill_->addItem(tr("interpolate linearly"), "linear");
  fill_->setToolTip(tr("What to do with missing values and missing time steps"));

  // Two label/field pairs per row: the whole left column then fits a 800-pixel-high window without scrolling.
  auto* modelBox = new QGroupBox(tr("Model"));
  auto* grid = new QGridLayout(modelBox);
  auto pair = [grid](int row, int col, const QString& label, QWidget* field) {
    auto* l = new QLabel(label);
    l->setBuddy(field);
    grid->addWidget(l, row, col * 2);
    grid->addWidget(field, row, col * 2 + 1);
  };
  pair(0, 0, tr("&Model:"), model_);
  pair(0, 1, tr("&Gaps:"), fill_);
  pair(1, 0, tr("&Lookback:"), lookback_);
  pair(1, 1, tr("&Horizon:"), horizon_);
  pair(2, 0, tr("&Epochs:"), epochs_);
  pair(2, 1, tr("&Windows:"), windows_);
  grid->addWidget(quick_, 3, 0, 1, 4);
  grid->setColumnStretch(1, 1);
  grid->setColumnStretch(3, 1);

  trainButton_ = new QPushButton(tr("Train"));
  trainButton_->setDefault(true);
  cancelButton_ = new QPushButton(tr("Cancel"));
  cancelButton_->setToolTip(tr("Stop the running job now"));
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(trainButton_, 1);
  buttons->addWidget(cancelButton_);

  auto* left = new QWidget;
  auto* leftLayout = new QVBoxLayout(left);
  leftLayout->setContentsMargins(0, 0, 4, 0);
  leftLayout->addWidget(dataBox);
  leftLayout->addWidget(modelBox);
  leftLayout->addLayout(buttons);
  leftLayout->addStretch(1);
  auto* scroll = new QScrollArea;  // small screens: the settings scroll rather than squash
  scroll->setWidget(left);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  // Wide enough for the settings grid and the open buttons; the report wraps and the table scrolls within that.
  const int settingsWidth = std::max(modelBox->minimumSizeHint().width(), dataBox->minimumSizeHint().width());
  scroll->setMinimumWidth(std::min(settingsWidth, 440) + scroll->verticalScrollBar()->sizeHint().width() + 8);

  // Live training curves next to the progress bar, under the plot.
  progress_ = new QProgressBar;
  progress_->setRange(0, 1000);
  progress_->setValue(0);
  progress_->setTextVisible(false);
  status_ = new QLabel(tr("Not trained yet."));
  status_->setWordWrap(true);
  status_->setAlignment(Qt::AlignLeft | Qt::AlignTop);
  loss_ = new LossChart;
  loss_->setMinimumHeight(170);
  auto* progressColumn = new QVBoxLayout;
  progressColumn->addWidget(progress_);
  progressColumn->addWidget(status_, 1);
  auto* trainBox = new QGroupBox(tr("Training"));
  auto* trainLayout = new QHBoxLayout(trainBox);
  trainLayout->addLayout(progressColumn, 1);
  trainLayout->addWidget(loss_, 2);

  // --- right: the plot -------------------------------------------------------------------------------------
  variate_ = new QComboBox;
  variate_->setMinimumContentsLength(10);
  variate_->setToolTip(tr("Which column the plot shows"));
  exportButton_ = new QPushButton(tr("Export CSV…"));
  exportButton_->setToolTip(tr("The forecast in real units with its interval bounds, one row per step"));
  savePlotButton_ = new QPushButton(tr("Save plot…"));
  savePlotButton_->setToolTip(ForecastChart::svgAvailable() ? tr("PNG or SVG") : tr("PNG (this build has no SVG support)"));
  view_ = new QComboBox;
  view_->addItem(tr("Forecast"));
  view_->addItem(tr("Backtest"));
  view_->addItem(tr("Everything"));
  view_->setToolTip(tr("Jump to a part of the series (wheel zooms, drag pans, double-click shows everything)"));
  auto* plotBar = new QHBoxLayout;
  plotBar->addWidget(new QLabel(tr("Variate:")));
  plotBar->addWidget(variate_);
  plotBar->addSpacing(12);
  plotBar->addWidget(new QLabel(tr("Show:")));
  plotBar->addWidget(view_);
  plotBar->addStretch();
  plotBar->addWidget(exportButton_);
  plotBar->addWidget(savePlotButton_);
  chart_ = new ForecastChart;
  summary_ = new QLabel;
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* plotPage = new QWidget;
  auto* plotLayout = new QVBoxLayout(plotPage);
  plotLayout->setContentsMargins(0, 0, 0, 0);
  plotLayout->addLayout(plotBar);
  plotLayout->addWidget(chart_, 1);
  plotLayout->addWidget(summary_);

  auto* hint = new QLabel(tr("<h3>Forecast a time series</h3>"
                             "<p>Drop a CSV with a date column and numeric columns on the window, use <i>Open CSV…</i>, "
                             "or try <i>Open sample (ETTh1)</i>.</p>"
                             "<p>Check the parse report, pick a model, lookback and horizon, and press <b>Train</b>. "
                             "The trained model then forecasts the test split (backtest) and the steps past the end "
                             "of the data, with 80 % and 95 % prediction intervals.</p>"
                             "<p>In the plot: wheel to zoom, drag to pan, double-click to see everything.</p>"));
  hint->setWordWrap(true);
  hint->setAlignment(Qt::AlignCenter);
  hint->setMargin(24);
  plotStack_ = new QStackedWidget;
  plotStack_->addWidget(hint);
  plotStack_->addWidget(plotPage);

  auto* right = new QSplitter(Qt::Vertical);
  right->addWidget(plotStack_);
  right->addWidget(trainBox);
  right->setStretchFactor(0, 3);
  right->setStretchFactor(1, 1);
  right->setChildrenCollapsible(false);
  auto* splitter = new QSplitter(Qt::Horizontal);
  splitter->addWidget(scroll);
  splitter->addWidget(right);
  splitter->setStretchFactor(0, 0);
  splitter->setStretchFactor(1, 1);
  splitter->setSizes({scroll->minimumWidth(), 900});

  error_ = new QLabel;
  error_->setWordWrap(true);
  error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  error_->setStyleSheet("QLabel { background: #fde7e9; color: #8a1020; border: 1px solid #f1aeb5; padding: 6px; }");
  error_->hide();

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(error_);
  layout->addWidget(splitter, 1);

  connect(openButton_, &QPushButton::clicked, this, &ForecastPanel::chooseCsv);
  connect(sampleButton_, &QPushButton::clicked, this, [this] { openCsv(sampleCsvPath()); });
  connect(modelButton_, &QPushButton::clicked, this, &ForecastPanel::chooseModel);
  connect(trainButton_, &QPushButton::clicked, this, [this] { train(); });
  connect(cancelButton_, &QPushButton::clicked, this, &ForecastPanel::cancel);
  connect(exportButton_, &QPushButton::clicked, this, &ForecastPanel::chooseExportCsv);
  connect(savePlotButton_, &QPushButton::clicked, this, &ForecastPanel::chooseSavePlot);
  connect(quick_, &QCheckBox::toggled, this, &ForecastPanel::setQuickRun);
  connect(lookback_, qOverload<int>(&QSpinBox::valueChanged), this, &ForecastPanel::updateSplitCheck);
  connect(horizon_, qOverload<int>(&QSpinBox::valueChanged), this, &ForecastPanel::updateSplitCheck);
  connect(variate_, qOverload<int>(&QComboBox::currentIndexChanged), this, &ForecastPanel::showVariate);
  connect(view_, qOverload<int>(&QComboBox::activated), this, [this] { applyView(); });
  connect(columns_, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
    if (item->column() == 0) {
      refreshTargets();
      updateEnabled();
    }
  });
}

QString ForecastPanel::sampleCsvPath() {
  // Installed next to the binary's share folder, or (from a build tree) in the source tree's resources.
  const QStringList candidates{
      QDir(QCoreApplication::applicationDirPath()).filePath("../share/weft-studio/data/ETTh1.csv"),
#ifdef WEFT_SAMPLE_DATA_DIR
      QStringLiteral(WEFT_SAMPLE_DATA_DIR "/ETTh1.csv"),
#endif
  };
  for (const QString& c : candidates)
    if (QFileInfo(c).isFile()) return QFileInfo(c).canonicalFilePath();
  return {};
}

QString ForecastPanel::errorText() const { return error_->isHidden() ? QString() : error_->text(); }
QString ForecastPanel::reportText() const { return report_->text(); }

QStringList ForecastPanel::checkedColumns() const {
  QStringList out;
  for (int r = 0; r < columns_->rowCount(); ++r)
    if (columns_->item(r, 0)->checkState() == Qt::Checked) out << columns_->item(r, 0)->text();
  return out;
}

void ForecastPanel::showError(const QString& text) {
  error_->setText(text);
  error_->show();
  emit problem(text);
}

void ForecastPanel::clearError() {
  error_->clear();
  error_->hide();
}

void ForecastPanel::updateEnabled() {
  const bool idle = pending_ == 0;
  const bool training = pendingKind_ == Pending::Train || pendingKind_ == Pending::Predict;
  openButton_->setEnabled(!training);
  sampleButton_->setEnabled(!training && !sampleCsvPath().isEmpty());
  modelButton_->setEnabled(idle);
  for (QWidget* w : std::initializer_list<QWidget*>{columns_, target_, model_, lookback_, horizon_, fill_, quick_})
    w->setEnabled(idle && haveReport_);
  epochs_->setEnabled(idle && haveReport_ && !quick_->isChecked());
  windows_->setEnabled(idle && haveReport_ && !quick_->isChecked());
  trainButton_->setEnabled(idle && haveReport_ && !checkedColumns().isEmpty() && target_->count() > 0);
  cancelButton_->setEnabled(!idle && pendingKind_ != Pending::Export);
  variate_->setEnabled(bool(result_));
  view_->setEnabled(bool(result_));
  exportButton_->setEnabled(bool(result_) && idle);
  savePlotButton_->setEnabled(bool(result_));
  trainButton_->setToolTip(!haveReport_ ? tr("Open a CSV first")
                           : checkedColumns().isEmpty() ? tr("Tick at least one column")
                                                        : tr("Train on the job thread; the plot follows"));
}

void ForecastPanel::updateSplitCheck() {
  // The report's window counts follow the lookback and horizon as they are edited: the split is arithmetic on the
  // row count (no file access), so it is redone here rather than re-reading the CSV.
  if (!inspected_) return;
  CsvInspectResult res = *inspected_;
  res.request.seq_len = std::size_t(lookback_->value());
  res.request.pred_len = std::size_t(horizon_->value());
  res.split_checked = true;
  res.split_error.clear();
  try {
    res.splits = series::standard_splits(res.report.rows, res.request.seq_len, res.request.pred_len,
                                         series::split_rule_for(res.report.source), res.report.source);
  } catch (const Error& e) {
    res.split_error = e.what_part();
  }
  report_->setText(reportHtml(res));
}

void ForecastPanel::setQuickRun(bool on) {
  if (on) {
    savedEpochs_ = epochs_->value(), savedWindows_ = windows_->value();
    epochs_->setValue(1);
    windows_->setValue(256);
  } else {
    epochs_->setValue(savedEpochs_);
    windows_->setValue(savedWindows_);
  }
  updateEnabled();
}

void ForecastPanel::refreshTargets() {
  const QString previous = target_->currentText();
  const QStringList names = checkedColumns();
  target_->clear();
  target_->addItems(names);
  // Keep the user's choice; else the conventional target "OT"; else the last column, as the loaders do.
  int index = names.indexOf(previous);
  if (index < 0) index = names.indexOf("OT");
  if (index < 0) index = int(names.size()) - 1;
  target_->setCurrentIndex(index);
}

// --- opening ------------------------------------------------------------------------------------------------

void ForecastPanel::chooseCsv() {
  const QString start = csv_.isEmpty() ? outputFolder_ : QFileInfo(csv_).absolutePath();
  const QString file = QFileDialog::getOpenFileName(this, tr("Open time series"), start,
                                                    tr("Tables (*.csv *.tsv *.txt);;All files (*)"));
  if (!file.isEmpty()) openCsv(file);
}

void ForecastPanel::openCsv(const QString& path) {
  if (path.isEmpty()) return showError(tr("The bundled sample ETTh1.csv was not found; reinstall Weft Studio or open a CSV."));
  if (pendingKind_ == Pending::Train || pendingKind_ == Pending::Predict)
    return showError(tr("Training is running: cancel it before opening %1.").arg(QFileInfo(path).fileName()));
  if (pending_) runner_->cancelNow(pending_);  // a newer file replaces an inspection still under way
  clearError();
  CsvInspectRequest req;
  req.path = path.toStdString();
  req.seq_len = std::size_t(lookback_->value());
  req.pred_len = std::size_t(horizon_->value());
  JobSpec spec;
  spec.kind = "forecast-inspect";
  spec.title = tr("Read %1").arg(QFileInfo(path).fileName());
  spec.requestJson = q(req.to_json().dump());
  spec.run = [req](ProgressSink& sink, const CancelToken& cancel) {
    auto res = std::make_shared<CsvInspectResult>(series::run_csv_inspect(req, sink, cancel));
    JobOutput out;
    out.summary = QObject::tr("%1 rows, %2 columns").arg(res->report.rows).arg(res->report.columns.size());
    out.resultJson = q(res->to_json().dump());
    out.payload = res;
    return out;
  };
  file_->setText(tr("Reading %1…").arg(QFileInfo(path).fileName().toHtmlEscaped()));
  file_->show();
  pending_ = runner_->submit(std::move(spec));
  pendingKind_ = Pending::Inspect;
  updateEnabled();
}

void ForecastPanel::chooseModel() {
  const QString start = runFolder_.isEmpty() ? QDir(outputFolder_).filePath("forecast") : runFolder_;
  const QString file = QFileDialog::getOpenFileName(this, tr("Open forecast model"), start,
                                                    tr("Forecast models (*.safetensors);;All files (*)"));
  if (!file.isEmpty()) openModel(file);
}

void ForecastPanel::openModel(const QString& modelPath) {
  if (pending_) return showError(tr("Wait for the running job to finish (or cancel it) before opening a model."));
  clearError();
  trainSummary_.clear();
  runFolder_.clear();
  runPredict(modelPath, haveReport_ ? csv_ : QString(), QString());
}

// --- training and forecasting --------------------------------------------------------------------------------

quint64 ForecastPanel::train() {
  if (pending_) {
    showError(tr("A job of this tab is still running."));
    return 0;
  }
  if (!haveReport_) {
    showError(tr("Open a CSV before training."));
    return 0;
  }
  const QStringList chosen = checkedColumns();
  if (chosen.isEmpty() || target_->currentText().isEmpty()) {
    showError(tr("Tick at least one column to train on."));
    return 0;
  }
  TrainRequest req;
  req.csv = csv_.toStdString();
  req.model.model = model_->currentData().toString().toStdString();
  req.model.seq_len = lookback_->value();
  req.model.pred_len = horizon_->value();
  // The benchmark files get the official scripts' settings, so the published numbers come out of the panel too;
  // other files get the scripts' defaults, except iTransformer's width: the paper's ETTh1 choice keeps a CPU run
  // short where the 512/2048 default would not.
  const std::string dataset = series::benchmark_dataset(req.csv);
  const series::Recipe recipe = series::official_recipe(dataset, req.model.model, req.model.pred_len);
  req.model.d_model = recipe.d_model;
  req.model.d_ff = recipe.d_ff;
  req.model.n_heads = recipe.n_heads;
  req.model.e_layers = recipe.e_layers;
  req.model.d_layers = recipe.d_layers;
  if (req.model.model == "autoformer" || req.model.model == "informer") req.model.factor = recipe.factor;
  req.learning_rate = recipe.learning_rate;
  req.batch_size = recipe.batch_size;
  if (dataset.empty() && req.model.model == "itransformer")
    req.model.d_model = req.model.d_ff = req.model.pred_len <= 192 ? 256 : 512;
  req.target = target_->currentText().toStdString();
  req.fill = fill_->currentData().toString().toStdString();
  req.epochs = epochs_->value();
  req.max_train_windows = windows_->value();
  req.threads = std::max(1, runner_->threads());
  if (chosen.size() != columns_->rowCount())  // all ticked: empty means "every numeric column"
    for (const QString& c : chosen) req.columns.push_back(c.toStdString());
  const QString stamp = QDateTime::currentDateTime().toString("yyyyMMdd-hhmmss");
  const QString folder = QDir(QDir(outputFolder_).filePath("forecast"))
                             .filePath(QString("%1-%2-%3").arg(QFileInfo(csv_).completeBaseName(),
                                                               model_->currentData().toString(), stamp));
  req.output = QDir::toNativeSeparators(folder).toStdString();
  try {
    req.validate();
  } catch (const std::exception& e) {
    showError(QString::fromUtf8(e.what()));
    return 0;
  }
  clearError();
  JobSpec spec;
  spec.kind = "forecast-train";
  spec.title = tr("Train %1 on %2").arg(model_->currentText(), QFileInfo(csv_).fileName());
  spec.requestJson = q(req.to_json().dump());
  spec.run = [req](ProgressSink& sink, const CancelToken& cancel) {
    auto res = std::make_shared<TrainResult>(series::train_forecaster(req, sink, cancel));
    const Json json = res->to_json();
    // The run folder documents itself: the result with its request, next to the model and loss.csv.
    if (!req.output.empty()) write_file_atomic(req.output + "/train.json", json.dump(2) + "\n");
    JobOutput out;
    out.summary = QObject::tr("%1 epochs, test MSE %2, MAE %3")
                      .arg(res->epochs_run)
                      .arg(res->test.mse, 0, 'g', 4)
                      .arg(res->test.mae, 0, 'g', 4);
    out.resultJson = q(json.dump());
    out.payload = res;
    return out;
  };
  loss_->clear();
  trainSummary_.clear();
  progress_->setValue(0);
  status_->setText(tr("Starting…"));
  runFolder_ = folder;
  pending_ = lastTrain_ = runner_->submit(std::move(spec));
  pendingKind_ = Pending::Train;
  updateEnabled();
  return pending_;
}

void ForecastPanel::runPredict(const QString& modelPath, const QString& csv, const QString& folder) {
  PredictRequest req;
  req.model = modelPath.toStdString();
  req.csv = csv.toStdString();
  req.backtest = true;
  req.threads = std::max(1, runner_->threads());
  if (!folder.isEmpty()) req.output = QDir(folder).filePath("forecast.csv").toStdString();
  JobSpec spec;
  spec.kind = "forecast-predict";
  spec.title = tr("Forecast with %1").arg(QFileInfo(modelPath).dir().dirName() + "/" + QFileInfo(modelPath).fileName());
  spec.requestJson = q(req.to_json().dump());
  spec.run = [req, folder](ProgressSink& sink, const CancelToken& cancel) {
    auto res = std::make_shared<PredictResult>(series::run_predict(req, sink, cancel));
    const Json json = res->to_json();
    if (!folder.isEmpty()) write_file_atomic(QDir(folder).filePath("forecast.json").toStdString(), json.dump(2) + "\n");
    JobOutput out;
    out.summary = QObject::tr("%1 steps ahead, %2 columns").arg(res->forecast.rows()).arg(res->columns.size());
    out.resultJson = q(json.dump());
    out.payload = res;
    return out;
  };
  status_->setText(tr("Forecasting…"));
  pending_ = runner_->submit(std::move(spec));
  pendingKind_ = Pending::Predict;
  updateEnabled();
}

void ForecastPanel::cancel() {
  if (pending_) runner_->cancelNow(pending_);
}

void ForecastPanel::onProgress(quint64 id, double fraction, const QString& stage) {
  // Reading a CSV takes a moment; the bar is the training's and the forecast's.
  if (id != pending_ || pendingKind_ == Pending::Export || pendingKind_ == Pending::Inspect) return;
  progress_->setValue(int(std::clamp(fraction, 0.0, 1.0) * 1000));
  if (pendingKind_ != Pending::Inspect) status_->setText(stage);
}

void ForecastPanel::onMetric(quint64 id, const QString& series, double x, double y) {
  if (id == lastTrain_) loss_->addPoint(series, x, y);
}

void ForecastPanel::onFinished(quint64 id) {
  if (id != pending_) return;
  const Pending kind = pendingKind_;
  pending_ = 0;
  pendingKind_ = Pending::None;
  const JobRecord r = runner_->record(id);
  if (r.status != JobStatus::Done) {
    if (kind == Pending::Inspect) {
      file_->setText(r.status == JobStatus::Cancelled ? tr("Reading was cancelled.") : tr("This file could not be read."));
      if (r.status == JobStatus::Failed) {
        haveReport_ = false;
        inspected_.reset();
        columns_->setRowCount(0);
        columns_->hide();
        target_->clear();
        targetRow_->hide();
        report_->hide();
      }
    } else {
      progress_->setValue(0);
      status_->setText(r.status == JobStatus::Cancelled ? tr("Cancelled.") : tr("Failed."));
    }
    if (r.status == JobStatus::Failed) {
      // Shown here; the main window's log already has the job's failure line.
      error_->setText(r.spec.title + ": " + r.message);
      error_->show();
    }
    updateEnabled();
    return;
  }
  switch (kind) {
    case Pending::Inspect: {
      auto res = std::static_pointer_cast<CsvInspectResult>(r.output.payload);
      inspected_ = res;
      csv_ = q(res->request.path);
      haveReport_ = true;
      file_->setText(QDir::toNativeSeparators(csv_).toHtmlEscaped());
      report_->setText(reportHtml(*res));
      report_->show();
      const auto& cols = res->report.columns;
      QSignalBlocker block(columns_);
      columns_->setRowCount(int(cols.size()));
      QLocale l;
      for (int i = 0; i < int(cols.size()); ++i) {
        auto* name = new QTableWidgetItem(q(cols[i].name));
        name->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
        name->setCheckState(Qt::Checked);
        columns_->setItem(i, 0, name);
        int c = 1;
        for (double v : {cols[i].min, cols[i].max, cols[i].mean}) {
          auto* item = new QTableWidgetItem(l.toString(v, 'g', 5));
          item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
          columns_->setItem(i, c++, item);
        }
        auto* missing = new QTableWidgetItem(l.toString(qulonglong(cols[i].missing)));
        missing->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        columns_->setItem(i, 4, missing);
      }
      // As tall as its rows (up to 10): the model settings stay in view below it.
      const int shown = std::clamp(columns_->rowCount(), 1, 10);
      columns_->setFixedHeight(columns_->horizontalHeader()->sizeHint().height() +
                               shown * columns_->verticalHeader()->defaultSectionSize() + 2 * columns_->frameWidth() + 2);
      columns_->show();
      targetRow_->show();
      file_->hide();
      report_->setToolTip(QDir::toNativeSeparators(csv_));
      refreshTargets();
      // Data with holes cannot be windowed as is: interpolating is what most users want; they can pick another.
      const bool holes = res->report.missing_values > 0 || res->report.gaps > 0;
      fill_->setCurrentIndex(fill_->findData(holes ? "linear" : "refuse"));
      result_.reset();
      variate_->clear();
      summary_->clear();
      plotStack_->setCurrentIndex(0);
      emit info(tr("%1: %2 rows, %3 numeric columns").arg(QFileInfo(csv_).fileName()).arg(res->report.rows).arg(cols.size()));
      break;
    }
    case Pending::Train: {
      auto res = std::static_pointer_cast<TrainResult>(r.output.payload);
      progress_->setValue(1000);
      QString text = tr("%1 epoch(s)%2 in %3 s. Test MSE %4, MAE %5 (normalised)")
                         .arg(res->epochs_run)
                         .arg(res->stopped_early ? tr(" (stopped early)") : QString())
                         .arg(res->seconds, 0, 'f', 1)
                         .arg(res->test.mse, 0, 'g', 4)
                         .arg(res->test.mae, 0, 'g', 4);
      status_->setText(text);
      trainSummary_ = text;
      emit info(tr("Trained %1: %2. Saved in %3").arg(q(res->request.model.model), text, q(res->request.output)));
      runPredict(q(res->model_path), q(res->request.csv), q(res->request.output));
      return;  // still busy: the forecast follows
    }
    case Pending::Predict: {
      result_ = std::static_pointer_cast<const PredictResult>(r.output.payload);
      progress_->setValue(1000);
      status_->setText(trainSummary_.isEmpty() ? tr("Forecast ready.") : trainSummary_ + tr(". Forecast ready."));
      QSignalBlocker block(variate_);
      variate_->clear();
      for (const auto& c : result_->columns) variate_->addItem(q(c));
      // The target first: the trained-on target, else the model's last column (the loaders put the target last).
      int index = variate_->findText(target_->currentText());
      if (index < 0 || !haveReport_) index = variate_->count() - 1;
      variate_->setCurrentIndex(index);
      plotStack_->setCurrentIndex(1);
      updateEnabled();
      showVariate(index);
      if (!result_->output_path.empty())
        emit info(tr("Forecast written to %1").arg(q(result_->output_path)));
      break;
    }
    case Pending::Export:
      emit info(r.output.summary);
      break;
    case Pending::None:
      break;
  }
  updateEnabled();
}

// --- plot -------------------------------------------------------------------------------------------------

void ForecastPanel::showVariate(int index) {
  if (!result_ || index < 0 || index >= int(result_->columns.size())) return;
  const PredictResult& R = *result_;
  const std::size_t C = R.columns.size(), c = std::size_t(index);
  const QString name = q(R.columns[c]);
  chart_->setTimeAxis(R.dated);  // also clears the previous variate
  const int m = model_->findData(q(R.model_name));
  chart_->chart()->setTitle(tr("%1 — %2").arg(name, m >= 0 ? model_->itemText(m) : q(R.model_name)));
  chart_->setHistory(name, xsOf(R.history, R.dated), columnOf(R.history.values, R.history.rows(), C, c));
  // Bands widest first, so the narrower (darker) one is drawn on top of it.
  std::vector<std::size_t> order(R.levels.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return R.levels[a] > R.levels[b]; });
  auto bands = [&](const series::ForecastBlock& b, const QString& prefix, const QColor& color, bool legend) {
    const auto x = xsOf(b, R.dated);
    for (std::size_t l : order)
      if (l < b.lower.size() && l < b.upper.size())
        chart_->addBand(prefix + levelName(R.levels[l]), x, columnOf(b.lower[l], b.rows(), C, c),
                        columnOf(b.upper[l], b.rows(), C, c), color, legend);
  };
  if (R.backtest.rows() > 0) {
    chart_->setBacktest(tr("backtest"), xsOf(R.backtest, R.dated), columnOf(R.backtest.values, R.backtest.rows(), C, c));
    bands(R.backtest, tr("backtest "), kBacktestBand, false);  // same levels as the forecast's: one legend entry
  }
  chart_->setForecast(tr("forecast"), xsOf(R.forecast, R.dated), columnOf(R.forecast.values, R.forecast.rows(), C, c));
  bands(R.forecast, tr("forecast "), QColor(), true);
  applyView();

  QStringList parts;
  if (R.backtest.rows() > 0) {
    QString bt = tr("Backtest on the test split (%1 steps): MSE %2, MAE %3 (normalised)")
                     .arg(R.backtest.rows())
                     .arg(R.backtest_mse, 0, 'g', 4)
                     .arg(R.backtest_mae, 0, 'g', 4);
    QStringList cover;
    for (std::size_t l = 0; l < R.levels.size() && l < R.backtest_coverage.size(); ++l)
      cover << tr("%1 band held %2 % of the truths").arg(levelName(R.levels[l])).arg(R.backtest_coverage[l] * 100, 0, 'f', 1);
    if (!cover.isEmpty()) bt += "; " + cover.join(", ");
    parts << bt + ".";
  }
  if (R.forecast.rows() > 0) {
    const QString from = R.dated ? QDateTime::fromSecsSinceEpoch(R.forecast.time.front(), Qt::UTC).toString("yyyy-MM-dd hh:mm")
                                 : tr("row %1").arg(R.forecast.time.front());
    parts << tr("Forecast: %1 steps from %2.").arg(R.forecast.rows()).arg(from);
  }
  if (R.levels.empty()) parts << tr("This model has no interval calibration, so no bands are drawn.");
  else if (R.interval_adapt > 0)
    parts << tr("The bands adapt as truths arrive: after the validation split each one widens or narrows with how "
                "often the forecasts before it missed.");
  if (!R.interval_caveat.empty()) parts << tr("Caution: %1.").arg(q(R.interval_caveat));
  parts << tr("Model: %1").arg(QDir::toNativeSeparators(q(R.request.model)));
  summary_->setText(parts.join(" "));
}

void ForecastPanel::applyView() {
  if (!result_) return;
  const PredictResult& R = *result_;
  const int view = view_->currentIndex();
  const auto hx = xsOf(R.history, R.dated), fx = xsOf(R.forecast, R.dated), bx = xsOf(R.backtest, R.dated);
  if (view == 0 && !fx.empty()) {  // the forecast with four horizons of history before it
    const std::size_t back = hx.empty() ? 0 : std::min(hx.size() - 1, 4 * fx.size());
    chart_->zoomToX(hx.empty() ? fx.front() : hx[hx.size() - 1 - back], fx.back());
  } else if (view == 1 && !bx.empty()) {  // the test split
    chart_->zoomToX(bx.front(), bx.back());
  } else {
    chart_->resetZoom();
  }
}

// --- export -------------------------------------------------------------------------------------------------

void ForecastPanel::chooseExportCsv() {
  if (!result_) return;
  const QString dir = runFolder_.isEmpty() ? outputFolder_ : runFolder_;
  const QString file = QFileDialog::getSaveFileName(this, tr("Export forecast"), QDir(dir).filePath("forecast.csv"),
                                                    tr("CSV (*.csv)"));
  if (!file.isEmpty()) exportCsv(file);
}

quint64 ForecastPanel::exportCsv(const QString& path) {
  if (!result_) {
    showError(tr("There is no forecast to export yet: train a model or open one."));
    return 0;
  }
  if (pending_) {
    showError(tr("Wait for the running job to finish before exporting."));
    return 0;
  }
  auto result = result_;  // shared, read-only: the worker thread only reads it
  const std::string target = path.toStdString();
  JobSpec spec;
  spec.kind = "forecast-export";
  spec.title = tr("Export %1").arg(QFileInfo(path).fileName());
  spec.requestJson = QString(R"({"output": "%1", "model": "%2"})").arg(path, q(result->request.model));
  spec.run = [result, target](ProgressSink&, const CancelToken&) {
    series::write_forecast_csv(*result, target);
    JobOutput out;
    out.summary = QObject::tr("Exported %1 forecast rows to %2").arg(result->forecast.rows()).arg(q(target));
    return out;
  };
  pending_ = runner_->submit(std::move(spec));
  pendingKind_ = Pending::Export;
  updateEnabled();
  return pending_;
}

void ForecastPanel::chooseSavePlot() {
  if (!result_) return;
  const QString dir = runFolder_.isEmpty() ? outputFolder_ : runFolder_;
  const QString filters = ForecastChart::svgAvailable() ? tr("PNG image (*.png);;SVG drawing (*.svg)") : tr("PNG image (*.png)");
  QString chosenFilter;
  QString file = QFileDialog::getSaveFileName(this, tr("Save plot"), QDir(dir).filePath(variate_->currentText() + ".png"),
                                              filters, &chosenFilter);
  if (file.isEmpty()) return;
  if (QFileInfo(file).suffix().isEmpty()) file += chosenFilter.contains("svg") ? ".svg" : ".png";
  savePlot(file);
}

bool ForecastPanel::savePlot(const QString& path) {
  QString why;
  if (!chart_->saveImage(path, &why)) {
    showError(why);
    return false;
  }
  emit info(tr("Saved the plot to %1").arg(path));
  return true;
}

}  // namespace weft::studio
