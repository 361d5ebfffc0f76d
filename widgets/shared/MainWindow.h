#pragma once
// The studio window: one tab per studio, the Jobs and Log docks, settings, about, and drag-and-drop of files.
#include <QMainWindow>

#include "shared/StudioSettings.h"

class QTabWidget;
class QLabel;

namespace weft::studio {

class JobRunner;
class JobsDock;
class LogDock;
class DropRouter;
class CheckpointPanel;
class ForecastPanel;
class ImagePanel;
class VideoPanel;
class WebPanel;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  JobRunner* runner() const { return runner_; }
  DropRouter* router() const { return router_; }
  LogDock* log() const { return log_; }
  JobsDock* jobs() const { return jobs_; }
  QTabWidget* tabs() const { return tabs_; }
  CheckpointPanel* checkpoints() const { return checkpoints_; }
  ImagePanel* image() const { return image_; }           // null in a build without core/image
  VideoPanel* video() const { return video_; }           // null in a build without core/image
  ForecastPanel* forecast() const { return forecast_; }  // null in a build without core/series
  WebPanel* web() const { return web_; }                 // null in a build without core/web
  const StudioSettings& settings() const { return settings_; }
  void applySettings(const StudioSettings&);

 protected:
  void dragEnterEvent(QDragEnterEvent*) override;
  void dropEvent(QDropEvent*) override;
  void closeEvent(QCloseEvent*) override;

 private:
  void buildMenus();
  void reportBlas();
  void openFiles();

  StudioSettings settings_;
  JobRunner* runner_;
  DropRouter* router_;
  QTabWidget* tabs_;
  JobsDock* jobs_;
  LogDock* log_;
  CheckpointPanel* checkpoints_;
  ImagePanel* image_ = nullptr;
  VideoPanel* video_ = nullptr;
  ForecastPanel* forecast_ = nullptr;
  WebPanel* web_ = nullptr;
  QLabel* blasBanner_;
};

}  // namespace weft::studio
