#pragma once
// The Web tab. A web comes from a graph file (opened or dropped) or from the synthetic generator; it is shown in
// the 3D view with its 7 properties. Assembly places copies of that web along a helix, circle or attractor path
// (live: a changed control re-runs it after a short pause); export turns the shown web into a strut mesh file
// (STL/3MF/OBJ) with its printability report and shows the mesh. Every step is a job on the JobRunner: the panel
// builds requests and shows results, core/web computes.
#include <QString>
#include <QWidget>
#include <functional>
#include <memory>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPlainTextEdit;
class QScrollArea;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QTimer;

namespace weft {
class CancelToken;
class ProgressSink;
}

namespace weft::studio {

class JobRunner;
class WebGeneratorBox;
class WebView3D;

class WebPanel : public QWidget {
  Q_OBJECT
 public:
  explicit WebPanel(JobRunner* runner, QWidget* parent = nullptr);
  ~WebPanel() override;

  quint64 openGraph(const QString& path);  // read on the job thread; becomes the unit; 0 if it cannot start
  quint64 generate();                      // synthetic web from the generator controls
  quint64 generateFromTargets();           // Model 3: a web for the 7 target sliders (needs a model)
  quint64 assemble();                      // copies of the unit along the path; the result is shown
  quint64 exportMesh(const QString& path); // strut mesh of the shown web → file + report (needs mesh support)
  void cancel();
  void setOutputFolder(const QString& folder) { outputFolder_ = folder; }

  // What the panel shows, for the main window and the tests.
  bool busy() const { return pending_ != 0; }
  bool hasWeb() const { return bool(shown_); }
  bool meshExportAvailable() const;
  QString errorText() const;
  QString reportText() const;
  QString sourceText() const;
  WebView3D* view() const { return view_; }
  QTableWidget* propertiesTable() const { return props_; }
  QComboBox* familyBox() const { return family_; }
  QSpinBox* nodesSpin() const { return nodes_; }
  QSpinBox* seedSpin() const { return seed_; }
  QComboBox* pathBox() const { return path_; }
  QSpinBox* stepsSpin() const { return steps_; }
  QCheckBox* liveBox() const { return live_; }
  QComboBox* formatBox() const { return format_; }
  QDoubleSpinBox* strutSpin() const { return strut_; }
  QDoubleSpinBox* sizeSpin() const { return size_; }
  QCheckBox* plateBox() const { return plate_; }
  WebGeneratorBox* generatorBox() const { return targets_; }  // null when built without the web model

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 signals:
  void problem(const QString& text);
  void info(const QString& text);

 private:
  enum class Pending { None, Load, Generate, Assemble, Export };
  struct Shown;  // a graph with its properties and view arrays (defined in the .cpp)
  void buildUi();
  quint64 submitGraphJob(Pending kind, const QString& title, const QString& requestJson,
                         std::function<std::shared_ptr<Shown>(weft::ProgressSink&, const weft::CancelToken&)> make);
  void onFinished(quint64 id);
  void onProgress(quint64 id, double fraction, const QString& stage);
  void show(std::shared_ptr<const Shown> s, bool fit);
  void chooseGraph();
  void chooseExport();
  void scheduleLiveAssembly();
  void showError(const QString& text);
  void updateEnabled();

  JobRunner* runner_;
  QString outputFolder_;
  quint64 pending_ = 0;
  Pending pendingKind_ = Pending::None;
  std::shared_ptr<const Shown> unit_;   // what assembly copies: the loaded or generated web
  std::shared_ptr<const Shown> shown_;  // what the view and table show (the unit or an assembly)
  QTimer* liveTimer_;

  QScrollArea* controlsScroll_;
  QLabel* error_;
  QLabel* source_;
  QPushButton* openButton_;
  QComboBox* family_;
  QSpinBox* nodes_;
  QSpinBox* seed_;
  QPushButton* generateButton_;
  WebGeneratorBox* targets_ = nullptr;
  QComboBox* path_;
  QDoubleSpinBox* radius_;
  QDoubleSpinBox* rise_;
  QDoubleSpinBox* angle_;
  QSpinBox* steps_;
  QDoubleSpinBox* stagger_;
  QComboBox* weld_;
  QCheckBox* live_;
  QPushButton* assembleButton_;
  QPushButton* unitButton_;
  QComboBox* format_;
  QDoubleSpinBox* strut_;
  QDoubleSpinBox* size_;
  QCheckBox* plate_;
  QPushButton* exportButton_;
  QCheckBox* showMesh_;
  QPushButton* cancelButton_;
  QLabel* status_;
  WebView3D* view_;
  std::unique_ptr<WebView3D> ownedView_;  // only when there is no OpenGL: the view is then outside the window
  QTableWidget* props_;
  QPlainTextEdit* report_;
};

}  // namespace weft::studio
