#include "shared/MainWindow.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMimeData>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>

#include "common/runtime.h"
#include "inspector/CheckpointPanel.h"
#include "shared/AboutDialog.h"
#include "shared/DropRouter.h"
#include "shared/JobRunner.h"
#include "shared/JobsDock.h"
#include "shared/LogDock.h"
#include "shared/SettingsDialog.h"
#ifdef WEFT_HAVE_IMAGE
#include "image/ImagePanel.h"
#include "video/VideoPanel.h"
#endif
#ifdef WEFT_HAVE_SERIES
#include "series/ForecastPanel.h"
#endif
#ifdef WEFT_HAVE_WEB
#include "web/WebPanel.h"
#endif

namespace weft::studio {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("Weft Studio"));
  setAcceptDrops(true);
  resize(1280, 800);

  runner_ = new JobRunner(this);
  router_ = new DropRouter(this);
  log_ = new LogDock(this);
  jobs_ = new JobsDock(runner_, this);
  addDockWidget(Qt::RightDockWidgetArea, jobs_);
  addDockWidget(Qt::BottomDockWidgetArea, log_);

  // A warning that cannot be missed when LibTorch runs on the reference BLAS.
  blasBanner_ = new QLabel;
  blasBanner_->setWordWrap(true);
  blasBanner_->setStyleSheet("QLabel { background: #fff3cd; color: #664d03; border: 1px solid #ffda6a; padding: 6px; }");
  blasBanner_->hide();

  tabs_ = new QTabWidget;
  tabs_->setDocumentMode(true);
#ifdef WEFT_HAVE_IMAGE
  image_ = new ImagePanel(runner_);
  tabs_->addTab(image_, tr("Image"));
  video_ = new VideoPanel(runner_);
  tabs_->addTab(video_, tr("Video"));
#endif
#ifdef WEFT_HAVE_SERIES
  forecast_ = new ForecastPanel(runner_);
  tabs_->addTab(forecast_, tr("Forecast"));
#endif
#ifdef WEFT_HAVE_WEB
  web_ = new WebPanel(runner_);
  tabs_->addTab(web_, tr("Web"));
#endif
  checkpoints_ = new CheckpointPanel(runner_);
  tabs_->addTab(checkpoints_, tr("Checkpoints"));

  auto* central = new QWidget;
  auto* layout = new QVBoxLayout(central);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(blasBanner_);
  layout->addWidget(tabs_, 1);
  setCentralWidget(central);

  router_->setHandler(DropKind::Checkpoint, [this](const QString& path) {
    tabs_->setCurrentWidget(checkpoints_);
    checkpoints_->open(path);
  });
#ifdef WEFT_HAVE_IMAGE
  // A PNG carrying a request restores its settings; any picture can be edited with the mask brush.
  for (DropKind kind : {DropKind::PngWithMetadata, DropKind::Image})
    router_->setHandler(kind, [this](const QString& path) {
      tabs_->setCurrentWidget(image_);
      image_->openImage(path);
    });
  // A picture folder is training data: it opens the Image tab's training dialog.
  router_->setHandler(DropKind::ImageFolder, [this](const QString& path) {
    tabs_->setCurrentWidget(image_);
    image_->openTrainDialog(path);
  });
  connect(image_, &ImagePanel::problem, this, [this](const QString& text) {
    log_->append(LogDock::Level::Error, text);
    statusBar()->showMessage(text, 10000);
  });
  connect(image_, &ImagePanel::info, this, [this](const QString& text) {
    log_->append(LogDock::Level::Info, text);
    statusBar()->showMessage(text, 8000);
  });
  router_->setHandler(DropKind::Clip, [this](const QString& path) {
    tabs_->setCurrentWidget(video_);
    video_->openClip(path);
  });
  connect(video_, &VideoPanel::problem, this, [this](const QString& text) {
    log_->append(LogDock::Level::Error, text);
    statusBar()->showMessage(text, 10000);
  });
  connect(video_, &VideoPanel::info, this, [this](const QString& text) {
    log_->append(LogDock::Level::Info, text);
    statusBar()->showMessage(text, 8000);
  });
#endif
#ifdef WEFT_HAVE_SERIES
  router_->setHandler(DropKind::Csv, [this](const QString& path) {
    tabs_->setCurrentWidget(forecast_);
    forecast_->openCsv(path);
  });
  connect(forecast_, &ForecastPanel::problem, this, [this](const QString& text) {
    log_->append(LogDock::Level::Error, text);
    statusBar()->showMessage(text, 10000);
  });
  connect(forecast_, &ForecastPanel::info, this, [this](const QString& text) {
    log_->append(LogDock::Level::Info, text);
    statusBar()->showMessage(text, 8000);
  });
#endif
#ifdef WEFT_HAVE_WEB
  router_->setHandler(DropKind::GraphFile, [this](const QString& path) {
    tabs_->setCurrentWidget(web_);
    web_->openGraph(path);
  });
  connect(web_, &WebPanel::problem, this, [this](const QString& text) {
    log_->append(LogDock::Level::Error, text);
    statusBar()->showMessage(text, 10000);
  });
  connect(web_, &WebPanel::info, this, [this](const QString& text) {
    log_->append(LogDock::Level::Info, text);
    statusBar()->showMessage(text, 8000);
  });
#endif
  connect(router_, &DropRouter::message, this, [this](const QString& text, bool problem) {
    log_->append(problem ? LogDock::Level::Warning : LogDock::Level::Info, text);
    statusBar()->showMessage(text, 8000);
  });
  connect(checkpoints_, &CheckpointPanel::problem, this, [this](const QString& text) {
    log_->append(LogDock::Level::Error, text);
    statusBar()->showMessage(text, 10000);
  });
  connect(runner_, &JobRunner::jobLog, this, [this](quint64 id, const QString& line) {
    log_->append(LogDock::Level::Info, QString("[%1] %2").arg(runner_->record(id).spec.title, line));
  });
  connect(runner_, &JobRunner::jobFinished, this, [this](quint64 id) {
    JobRecord r = runner_->record(id);
    if (!r.id) return;
    if (r.status == JobStatus::Failed) log_->append(LogDock::Level::Error, r.spec.title + ": " + r.message);
    else log_->append(LogDock::Level::Info, QString("%1: %2 in %3 s").arg(r.spec.title, statusText(r.status)).arg(r.seconds, 0, 'f', 2));
  });

  buildMenus();
  applySettings(StudioSettings::load());
  reportBlas();
  QSettings s;
  const bool restored =
      restoreGeometry(s.value("window/geometry").toByteArray()) && restoreState(s.value("window/state").toByteArray());
  if (!restored) {  // first start: the work area gets the room, the log a few lines
    resizeDocks({jobs_}, {420}, Qt::Horizontal);
    resizeDocks({log_}, {150}, Qt::Vertical);
  }
  statusBar()->showMessage(tr("Ready. Drop files on the window to open them."));
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&Open…"), QKeySequence::Open, this, &MainWindow::openFiles);
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->addAction(jobs_->toggleViewAction());
  view->addAction(log_->toggleViewAction());

  QMenu* tools = menuBar()->addMenu(tr("&Tools"));
  tools->addAction(tr("&Settings…"), QKeySequence::Preferences, this, [this] {
    SettingsDialog dialog(settings_, this);
    if (dialog.exec() == QDialog::Accepted) {
      applySettings(dialog.settings());
      settings_.save();
    }
  });

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About Weft Studio"), this, [this] { AboutDialog(runner_, this).exec(); });
}

void MainWindow::applySettings(const StudioSettings& s) {
  settings_ = s;
  runner_->setThreads(s.threads);
  runner_->setPreviewRate(s.previewRate);
#ifdef WEFT_HAVE_IMAGE
  image_->setOutputFolder(s.outputFolder.isEmpty() ? StudioSettings::defaultOutputFolder() : s.outputFolder);
  video_->setOutputFolder(s.outputFolder.isEmpty() ? StudioSettings::defaultOutputFolder() : s.outputFolder);
#endif
#ifdef WEFT_HAVE_SERIES
  forecast_->setOutputFolder(s.outputFolder.isEmpty() ? StudioSettings::defaultOutputFolder() : s.outputFolder);
#endif
#ifdef WEFT_HAVE_WEB
  web_->setOutputFolder(s.outputFolder.isEmpty() ? StudioSettings::defaultOutputFolder() : s.outputFolder);
#endif
  try {
    weft::resolve_device(s.device.toStdString());
  } catch (const std::exception& e) {
    log_->append(LogDock::Level::Warning, QString::fromStdString(e.what()) + tr(" — using the CPU"));
    settings_.device = "cpu";
  }
}

void MainWindow::reportBlas() {
  const BlasReport blas = weft::blas_report();
  log_->append(LogDock::Level::Info, tr("BLAS: %1 (%2)").arg(QString::fromStdString(blas.library),
                                                            QString::fromStdString(blas.path)));
  if (blas.slow) {
    blasBanner_->setText(tr("<b>Slow maths library.</b> %1").arg(QString::fromStdString(blas.warning).toHtmlEscaped()));
    blasBanner_->show();
    log_->append(LogDock::Level::Warning, QString::fromStdString(blas.warning));
  }
}

void MainWindow::openFiles() {
  const QStringList files = QFileDialog::getOpenFileNames(this, tr("Open"));
  QList<QUrl> urls;
  for (const QString& f : files) urls << QUrl::fromLocalFile(f);
  router_->route(urls);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
  if (e->mimeData()->hasUrls()) e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
  router_->route(e->mimeData()->urls());
  e->acceptProposedAction();
}

void MainWindow::closeEvent(QCloseEvent* e) {
  QSettings s;
  s.setValue("window/geometry", saveGeometry());
  s.setValue("window/state", saveState());
  runner_->cancelAll();
  QMainWindow::closeEvent(e);
}

}  // namespace weft::studio
