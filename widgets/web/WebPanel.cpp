#include "web/WebPanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QWheelEvent>
#include <QCoreApplication>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>
#include <memory>

#include "common/cancel_token.h"
#include "common/error.h"
#include "common/progress_sink.h"
#include "shared/JobRunner.h"
#include "web/WebView3D.h"
#include "web/assembly.h"
#include "web/graph_files.h"
#include "web/web_generator.h"
#include "web/web_properties.h"
#ifdef WEFT_HAVE_WEB_MESH
#include "web/mesh_export.h"
#endif
#ifdef WEFT_HAVE_WEB_MODEL
#include "web/WebGeneratorBox.h"
#include "web/web_generate.h"
#endif

namespace weft::studio {

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

// A graph ready to show: built on the job thread so the GUI thread only uploads arrays.
struct WebPanel::Shown {
  web::WebGraph graph;
  web::Properties properties{};
  std::vector<float> xyz;
  std::vector<quint32> edges;
  QString source;   // where it came from, for the label
  QString details;  // e.g. the assembly report

  static std::shared_ptr<Shown> make(web::WebGraph g, QString source, QString details = {}) {
    auto s = std::make_shared<Shown>();
    s->properties = web::web_properties(g);  // validates, and throws for an empty graph
    s->xyz.reserve(g.nodes.size() * 3);
    for (const web::Vec3& p : g.nodes) {
      s->xyz.push_back(float(p.x));
      s->xyz.push_back(float(p.y));
      s->xyz.push_back(float(p.z));
    }
    s->edges.reserve(g.edges.size() * 2);
    for (const web::Edge& e : g.edges) {
      s->edges.push_back(quint32(e.source));
      s->edges.push_back(quint32(e.target));
    }
    s->graph = std::move(g);
    s->source = std::move(source);
    s->details = std::move(details);
    return s;
  }
};

#ifdef WEFT_HAVE_WEB_MESH
namespace {
struct ExportPayload {
  QString report;
  QString written;
  bool watertight = false;
  std::size_t beams = 0;  // > 0: a beam lattice was written (no mesh to show: the view keeps the graph)
  std::shared_ptr<const WebView3D::MeshData> mesh;
};
}  // namespace
#endif

WebPanel::WebPanel(JobRunner* runner, QWidget* parent) : QWidget(parent), runner_(runner) {
  buildUi();
  liveTimer_ = new QTimer(this);
  liveTimer_->setSingleShot(true);
  liveTimer_->setInterval(250);  // a pause in typing/sliding, not every intermediate value
  connect(liveTimer_, &QTimer::timeout, this, [this] {
    if (live_->isChecked() && unit_) assemble();
  });
  connect(runner_, &JobRunner::jobFinished, this, &WebPanel::onFinished);
  connect(runner_, &JobRunner::jobProgress, this, &WebPanel::onProgress);
  updateEnabled();
}

WebPanel::~WebPanel() = default;

bool WebPanel::meshExportAvailable() const {
#ifdef WEFT_HAVE_WEB_MESH
  return true;
#else
  return false;
#endif
}

void WebPanel::buildUi() {
  auto dspin = [](double lo, double hi, double value, double step, int decimals, const QString& suffix = {}) {
    auto* s = new QDoubleSpinBox;
    s->setRange(lo, hi);
    s->setDecimals(decimals);
    s->setSingleStep(step);
    s->setValue(value);
    s->setSuffix(suffix);
    return s;
  };

  // Source: a file or the generator.
  auto* sourceBox = new QGroupBox(tr("Web"));
  auto* sourceForm = new QFormLayout(sourceBox);
  openButton_ = new QPushButton(tr("Open graph…"));
  openButton_->setToolTip(tr("JSON {nodes, edges} or a .nodes.csv/.edges.csv pair; dropping a file works too"));
  connect(openButton_, &QPushButton::clicked, this, &WebPanel::chooseGraph);
  sourceForm->addRow(openButton_);
  family_ = new QComboBox;
  family_->addItem(tr("orb"), int(web::WebFamily::Orb));
  family_->addItem(tr("sheet"), int(web::WebFamily::Sheet));
  family_->addItem(tr("tangle"), int(web::WebFamily::Tangle));
  sourceForm->addRow(tr("Family"), family_);
  nodes_ = new QSpinBox;
  nodes_->setRange(4, 2000);
  nodes_->setValue(64);
  nodes_->setToolTip(tr("Nodes kept: a breadth-first cut of the generated web, as the paper samples webs"));
  sourceForm->addRow(tr("Nodes"), nodes_);
  seed_ = new QSpinBox;
  seed_->setRange(0, 999999);
  seed_->setValue(1);
  sourceForm->addRow(tr("Seed"), seed_);
  generateButton_ = new QPushButton(tr("Generate synthetic web"));
  connect(generateButton_, &QPushButton::clicked, this, [this] { generate(); });
  sourceForm->addRow(generateButton_);

  // Assembly.
  auto* asmBox = new QGroupBox(tr("Assembly"));
  auto* asmForm = new QFormLayout(asmBox);
  path_ = new QComboBox;
  path_->addItem(tr("helix"), int(web::PathKind::Helix));
  path_->addItem(tr("circle"), int(web::PathKind::Circle));
  path_->addItem(tr("attractor"), int(web::PathKind::Attractor));
  asmForm->addRow(tr("Path"), path_);
  radius_ = dspin(0.1, 10000, 20, 1, 1);
  asmForm->addRow(tr("Radius"), radius_);
  rise_ = dspin(-1000, 1000, 5, 0.5, 2);
  asmForm->addRow(tr("Rise / step"), rise_);
  angle_ = dspin(-180, 180, 10, 1, 1, tr(" °"));
  asmForm->addRow(tr("Angle / step"), angle_);
  steps_ = new QSpinBox;
  steps_->setRange(1, 2000);
  steps_->setValue(20);
  asmForm->addRow(tr("Steps"), steps_);
  stagger_ = dspin(0, 0.95, 0.5, 0.05, 2);
  stagger_->setToolTip(tr("Overlap of consecutive units, as a fraction of a unit's length"));
  asmForm->addRow(tr("Stagger"), stagger_);
  weld_ = new QComboBox;
  weld_->addItem(tr("geometric"), int(web::WeldMode::Geometric));
  weld_->addItem(tr("index (paper)"), int(web::WeldMode::Index));
  asmForm->addRow(tr("Weld"), weld_);
  live_ = new QCheckBox(tr("Live preview"));
  live_->setChecked(true);
  live_->setToolTip(tr("Re-run the assembly shortly after a control changes"));
  asmForm->addRow(live_);
  auto* asmButtons = new QHBoxLayout;
  assembleButton_ = new QPushButton(tr("Assemble"));
  connect(assembleButton_, &QPushButton::clicked, this, [this] { assemble(); });
  unitButton_ = new QPushButton(tr("Show unit"));
  unitButton_->setToolTip(tr("Back to the single web that assembly copies"));
  connect(unitButton_, &QPushButton::clicked, this, [this] {
    if (unit_) show(unit_, true);
  });
  asmButtons->addWidget(assembleButton_);
  asmButtons->addWidget(unitButton_);
  asmForm->addRow(asmButtons);
  for (QComboBox* c : {path_, weld_})
    connect(c, &QComboBox::currentIndexChanged, this, &WebPanel::scheduleLiveAssembly);
  for (QDoubleSpinBox* s : {radius_, rise_, angle_, stagger_})
    connect(s, &QDoubleSpinBox::valueChanged, this, &WebPanel::scheduleLiveAssembly);
  connect(steps_, &QSpinBox::valueChanged, this, &WebPanel::scheduleLiveAssembly);

  // Export.
  auto* expBox = new QGroupBox(tr("Printable mesh"));
  auto* expForm = new QFormLayout(expBox);
  format_ = new QComboBox;
  format_->addItems({"stl", "3mf", "obj", "3mf-beams"});
  format_->setItemData(3, tr("A 3MF beam lattice (.3mf): the nodes and one beam per strut, no triangles, for software "
                             "that reads the beam-lattice extension (PrusaSlicer does not). Fast: nothing is meshed."),
                       Qt::ToolTipRole);
  expForm->addRow(tr("Format"), format_);
  strut_ = dspin(0.1, 20, 1.2, 0.1, 2, tr(" mm"));
  strut_->setToolTip(tr("Diameter of every strut; below 0.8 mm an FDM printer with a 0.4 mm nozzle struggles"));
  expForm->addRow(tr("Strut diameter"), strut_);
  size_ = dspin(5, 1000, 80, 5, 1, tr(" mm"));
  size_->setToolTip(tr("The longest side of the web's bounding box"));
  expForm->addRow(tr("Size"), size_);
  plate_ = new QCheckBox(tr("Base plate"));
  expForm->addRow(plate_);
  // A beam lattice has no solid to fuse a plate to.
  connect(format_, &QComboBox::currentTextChanged, this,
          [this](const QString& f) { plate_->setEnabled(f != "3mf-beams"); });
  exportButton_ = new QPushButton(tr("Export mesh…"));
  connect(exportButton_, &QPushButton::clicked, this, &WebPanel::chooseExport);
  expForm->addRow(exportButton_);
  showMesh_ = new QCheckBox(tr("Show mesh"));
  showMesh_->setChecked(true);
  connect(showMesh_, &QCheckBox::toggled, this, [this](bool on) { view_->setShowMesh(on); });
  expForm->addRow(showMesh_);
  if (!meshExportAvailable()) {
    expBox->setEnabled(false);
    expBox->setToolTip(tr("This build has no mesh export (configure with WEFT_WEB_MESH and OpenVDB, lib3mf)"));
  }

  cancelButton_ = new QPushButton(tr("Cancel"));
  connect(cancelButton_, &QPushButton::clicked, this, &WebPanel::cancel);
  status_ = new QLabel;
  status_->setWordWrap(true);
  error_ = new QLabel;
  error_->setWordWrap(true);
  error_->setStyleSheet("QLabel { color: #b02a37; }");
  error_->hide();

  auto* controls = new QWidget;
  auto* cl = new QVBoxLayout(controls);
  cl->addWidget(sourceBox);
#ifdef WEFT_HAVE_WEB_MODEL
  targets_ = new WebGeneratorBox;
  connect(targets_, &WebGeneratorBox::generateClicked, this, [this] { generateFromTargets(); });
  connect(targets_, &WebGeneratorBox::likeShownClicked, this, [this] {
    if (shown_) targets_->setTargets(shown_->properties);
  });
  connect(targets_, &WebGeneratorBox::problem, this, &WebPanel::showError);
  cl->addWidget(targets_);
#endif
  cl->addWidget(asmBox);
  cl->addWidget(expBox);
  cl->addWidget(cancelButton_);
  cl->addWidget(status_);
  cl->addWidget(error_);
  cl->addStretch(1);
  auto* scroll = new QScrollArea;
  scroll->setWidget(controls);
  scroll->setWidgetResizable(true);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  scroll->setMinimumWidth(controls->sizeHint().width() + 20);
  controlsScroll_ = scroll;
  // The wheel over an unfocused spin box, combo or slider scrolls the column instead of changing the value: with
  // live preview on, a stray wheel turn would otherwise start an assembly the user never asked for, and scrolling
  // past the target sliders would move them.
  for (QWidget* w : controls->findChildren<QWidget*>())
    if (qobject_cast<QAbstractSpinBox*>(w) || qobject_cast<QComboBox*>(w) || qobject_cast<QAbstractSlider*>(w)) {
      w->setFocusPolicy(Qt::StrongFocus);
      w->installEventFilter(this);
    }

  // View + what is known about the web.
  source_ = new QLabel(tr("No web yet: open or drop a graph file, or generate one."));
  source_->setWordWrap(true);
  view_ = new WebView3D;
  props_ = new QTableWidget(web::kNumProperties, 2);
  props_->setHorizontalHeaderLabels({tr("Property"), tr("Value")});
  props_->verticalHeader()->hide();
  props_->horizontalHeader()->setStretchLastSection(true);
  props_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  for (int i = 0; i < web::kNumProperties; ++i) props_->setItem(i, 0, new QTableWidgetItem(q(web::property_names()[size_t(i)])));
  props_->resizeColumnToContents(0);
  report_ = new QPlainTextEdit;
  report_->setReadOnly(true);
  report_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  report_->setPlaceholderText(tr("Assembly and printability reports appear here."));
  auto* info = new QSplitter(Qt::Horizontal);
  info->addWidget(props_);
  info->addWidget(report_);
  info->setStretchFactor(1, 1);
  auto* right = new QSplitter(Qt::Vertical);
  auto* top = new QWidget;
  auto* tl = new QVBoxLayout(top);
  tl->setContentsMargins(0, 0, 0, 0);
  tl->addWidget(source_);
  QString noGl;
  if (WebView3D::openGLAvailable(&noGl)) {
    tl->addWidget(view_, 1);
  } else {
    // The view still holds what would be drawn (counts, bounds); it is just never shown.
    auto* placeholder = new QLabel(tr("3D view unavailable: %1.").arg(noGl));
    placeholder->setAlignment(Qt::AlignCenter);
    placeholder->setMinimumSize(320, 240);
    tl->addWidget(placeholder, 1);
    ownedView_.reset(view_);
  }
  right->addWidget(top);
  right->addWidget(info);
  right->setStretchFactor(0, 3);
  right->setStretchFactor(1, 1);

  auto* layout = new QHBoxLayout(this);
  layout->addWidget(scroll);
  layout->addWidget(right, 1);
}

bool WebPanel::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() == QEvent::Wheel) {
    auto* w = qobject_cast<QWidget*>(watched);
    if (w && !w->hasFocus()) {
      QCoreApplication::sendEvent(controlsScroll_->verticalScrollBar(), event);
      return true;
    }
  }
  return QWidget::eventFilter(watched, event);
}

QString WebPanel::errorText() const { return error_->isHidden() ? QString() : error_->text(); }
QString WebPanel::reportText() const { return report_->toPlainText(); }
QString WebPanel::sourceText() const { return source_->text(); }

void WebPanel::showError(const QString& text) {
  error_->setText(text);
  error_->show();
  emit problem(text);
}

void WebPanel::updateEnabled() {
  const bool idle = pending_ == 0;
  // Assembly stays available while a preview runs: a newer request replaces the older one.
  const bool assembling = pendingKind_ == Pending::Assemble;
  openButton_->setEnabled(idle || assembling);
  generateButton_->setEnabled(idle || assembling);
#ifdef WEFT_HAVE_WEB_MODEL
  targets_->generateButton()->setEnabled(targets_->hasModel() && (idle || assembling));
  targets_->likeShownButton()->setEnabled(bool(shown_));
#endif
  assembleButton_->setEnabled(unit_ && (idle || assembling));
  unitButton_->setEnabled(bool(unit_));
  exportButton_->setEnabled(shown_ && idle && meshExportAvailable());
  cancelButton_->setEnabled(!idle);
}

void WebPanel::chooseGraph() {
  const QString file = QFileDialog::getOpenFileName(this, tr("Open web graph"), outputFolder_,
                                                    tr("Web graphs (*.json *.csv);;All files (*)"));
  if (!file.isEmpty()) openGraph(file);
}

quint64 WebPanel::submitGraphJob(Pending kind, const QString& title, const QString& requestJson,
                                 std::function<std::shared_ptr<Shown>(ProgressSink&, const CancelToken&)> make) {
  if (pending_ && pendingKind_ == Pending::Export) {
    showError(tr("Wait for the mesh export to finish (or cancel it)."));
    return 0;
  }
  if (pending_) runner_->cancelNow(pending_);  // the newer request wins
  error_->hide();
  JobSpec spec;
  spec.kind = kind == Pending::Assemble ? "web-assemble" : kind == Pending::Generate ? "web-generate" : "web-open";
  spec.title = title;
  spec.requestJson = requestJson;
  spec.run = [make = std::move(make)](ProgressSink& sink, const CancelToken& cancel) {
    sink.progress(0.0, "working");
    auto s = make(sink, cancel);
    JobOutput out;
    out.summary = QObject::tr("%1 nodes, %2 edges").arg(s->graph.nodes.size()).arg(s->graph.edges.size());
    out.payload = s;
    return out;
  };
  pending_ = runner_->submit(std::move(spec));
  pendingKind_ = kind;
  status_->setText(title + QStringLiteral("…"));
  updateEnabled();
  return pending_;
}

quint64 WebPanel::openGraph(const QString& path) {
  const std::string p = QFileInfo(path).absoluteFilePath().toStdString();
  const QString name = QFileInfo(path).fileName();
  nlohmann::json req = {{"path", p}};
  return submitGraphJob(Pending::Load, tr("Open %1").arg(name), q(req.dump()), [p](ProgressSink&, const CancelToken&) {
    return Shown::make(web::read_graph_file(p), q(p));
  });
}

quint64 WebPanel::generate() {
  web::WebParams params;
  params.family = web::WebFamily(family_->currentData().toInt());
  const int nodes = nodes_->value();
  const auto seed = std::uint64_t(seed_->value());
  nlohmann::json req = {{"family", web::family_name(params.family)}, {"nodes", nodes}, {"seed", seed}};
  return submitGraphJob(Pending::Generate, tr("Generate %1 web").arg(family_->currentText()), q(req.dump()),
                        [params, nodes, seed](ProgressSink&, const CancelToken&) {
                          web::WebGraph g = web::generate_web(params, seed);
                          // The paper's samples are BFS cuts; a web smaller than asked stays whole.
                          if (int(g.nodes.size()) > nodes) g = web::bfs_sample(g, 0, nodes);
                          return Shown::make(std::move(g),
                                             QObject::tr("synthetic %1 web, seed %2").arg(web::family_name(params.family)).arg(seed));
                        });
}

quint64 WebPanel::generateFromTargets() {
#ifdef WEFT_HAVE_WEB_MODEL
  if (!targets_->hasModel()) {
    showError(tr("No web generator: open a model.json written by `weft web train`."));
    return 0;
  }
  web::WebGenerateRequest req = targets_->request();
  try {
    req.validate();
  } catch (const std::exception& e) {
    showError(QString::fromUtf8(e.what()));
    return 0;
  }
  return submitGraphJob(Pending::Generate, tr("Generate from targets"), q(req.to_json().dump()),
                        [req](ProgressSink& sink, const CancelToken& cancel) {
                          const web::WebGenerateResult r = web::generate_webs(req, sink, cancel);
                          if (r.webs.empty()) throw Cancelled();
                          const auto& w = r.webs.front();
                          // Target next to what the generated web really measures (the corrected metric).
                          QString details = QObject::tr("%1  %2  %3\n").arg("property", -18).arg("target", 10).arg("measured", 10);
                          for (int k = 0; k < web::kNumProperties; ++k)
                            details += QStringLiteral("%1  %2  %3\n")
                                           .arg(q(web::property_names()[size_t(k)]), -18)
                                           .arg(req.targets[size_t(k)], 10, 'g', 4)
                                           .arg(w.measured[size_t(k)], 10, 'g', 4);
                          details += QObject::tr("%1, %2 isolated node(s), %3 entr(ies) over the degree cap; %4 s")
                                         .arg(w.connected ? QObject::tr("connected") : QObject::tr("NOT connected"))
                                         .arg(w.isolated_nodes)
                                         .arg(w.capped_entries)
                                         .arg(r.seconds, 0, 'f', 2);
                          return Shown::make(w.graph, QObject::tr("Model 3 web, seed %1").arg(req.seed), details);
                        });
#else
  showError(tr("This build has no web generator model."));
  return 0;
#endif
}

quint64 WebPanel::assemble() {
  liveTimer_->stop();
  if (!unit_) {
    showError(tr("Open or generate a web first: assembly copies it along the path."));
    return 0;
  }
  web::AssemblyRequest req;
  req.path.kind = web::PathKind(path_->currentData().toInt());
  req.path.radius = radius_->value();
  req.path.rise = rise_->value();
  req.path.angle_deg = angle_->value();
  req.path.steps = steps_->value();
  req.stagger = stagger_->value();
  req.weld_mode = web::WeldMode(weld_->currentData().toInt());
  req.seed = std::uint64_t(seed_->value());
  try {
    req.validate();
  } catch (const std::exception& e) {
    showError(QString::fromUtf8(e.what()));
    return 0;
  }
  auto unit = unit_;
  return submitGraphJob(Pending::Assemble, tr("Assemble along %1").arg(path_->currentText()), q(req.to_json().dump()),
                        [req, unit](ProgressSink&, const CancelToken& cancel) {
                          NullSink sink;  // assembly takes a moment: the job's own progress is enough
                          web::AssemblyResult r = web::assemble(req, unit->graph, sink, cancel);
                          return Shown::make(std::move(r.graph),
                                             QObject::tr("%1 × %2 along a %3").arg(r.stats.units).arg(unit->source,
                                                                                     web::path_kind_name(req.path.kind)),
                                             q(r.report()));
                        });
}

void WebPanel::scheduleLiveAssembly() {
  if (live_->isChecked() && unit_) liveTimer_->start();
}

void WebPanel::chooseExport() {
  const QString ext = format_->currentText() == "3mf-beams" ? QString("3mf") : format_->currentText();
  const QString file = QFileDialog::getSaveFileName(this, tr("Export mesh"), QDir(outputFolder_).filePath("web." + ext),
                                                    tr("Mesh (*.%1)").arg(ext));
  if (!file.isEmpty()) exportMesh(file);
}

quint64 WebPanel::exportMesh(const QString& path) {
#ifdef WEFT_HAVE_WEB_MESH
  if (!shown_) {
    showError(tr("There is no web to export yet."));
    return 0;
  }
  if (pending_) {
    showError(tr("Wait for the running job to finish (or cancel it) before exporting."));
    return 0;
  }
  error_->hide();
  web::MeshRequest req;
  req.size_mm = size_->value();
  req.strut_mm = strut_->value();
  req.format = format_->currentText().toStdString();
  req.base_plate = plate_->isChecked() && req.format != "3mf-beams";
  req.output = path.toStdString();  // core's writers are atomic (temporary file + rename)
  auto graph = shown_;
  JobSpec spec;
  spec.kind = "web-export";
  spec.title = tr("Export %1").arg(QFileInfo(path).fileName());
  spec.requestJson = q(req.to_json().dump());
  spec.run = [req, graph](ProgressSink& sink, const CancelToken& cancel) {
    web::MeshResult r = web::export_web_mesh(graph->graph, req, sink, cancel);
    auto p = std::make_shared<ExportPayload>();
    p->report = q(web::render_print_report(r.report));
    p->written = q(r.written);
    p->watertight = r.report.watertight;
    p->beams = r.report.beams;
    JobOutput out;
    out.resultJson = q(r.to_json().dump());
    out.payload = p;
    if (r.report.beam_lattice) {
      out.summary = QObject::tr("%1 beams (beam lattice)").arg(r.report.beams);
      return out;
    }
    std::vector<float> xyz;
    xyz.reserve(r.mesh.vertices.size() * 3);
    for (const auto& v : r.mesh.vertices) xyz.insert(xyz.end(), v.begin(), v.end());
    std::vector<quint32> tris;
    tris.reserve(r.mesh.triangles.size() * 3);
    for (const auto& t : r.mesh.triangles) tris.insert(tris.end(), t.begin(), t.end());
    p->mesh = WebView3D::buildMeshData(xyz, tris);
    out.summary = QObject::tr("%1 triangles, %2").arg(r.mesh.triangles.size()).arg(r.report.watertight ? "watertight" : "NOT watertight");
    return out;
  };
  pending_ = runner_->submit(std::move(spec));
  pendingKind_ = Pending::Export;
  status_->setText(tr("Meshing…"));
  updateEnabled();
  return pending_;
#else
  showError(tr("This build has no mesh export (%1 not written).").arg(path));
  return 0;
#endif
}

void WebPanel::cancel() {
  liveTimer_->stop();
  if (pending_) runner_->cancelNow(pending_);
}

void WebPanel::onProgress(quint64 id, double fraction, const QString& stage) {
  if (id != pending_) return;
  status_->setText(QStringLiteral("%1 (%2 %)").arg(stage).arg(int(std::clamp(fraction, 0.0, 1.0) * 100)));
}

void WebPanel::show(std::shared_ptr<const Shown> s, bool fit) {
  shown_ = std::move(s);
  view_->setMesh(nullptr, false);  // a mesh belongs to the web it was made from
  view_->setGraph(shown_->xyz, shown_->edges, fit);
  for (int i = 0; i < web::kNumProperties; ++i) {
    const double v = shown_->properties[size_t(i)];
    auto* item = new QTableWidgetItem(i >= 4 && i <= 5 ? QString::number(qlonglong(v)) : QString::number(v, 'g', 5));
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    props_->setItem(i, 1, item);
  }
  source_->setText(tr("%1 — %2 nodes, %3 edges").arg(shown_->source).arg(shown_->graph.nodes.size()).arg(shown_->graph.edges.size()));
  report_->setPlainText(shown_->details);
  updateEnabled();
}

void WebPanel::onFinished(quint64 id) {
  if (id != pending_) return;
  const Pending kind = pendingKind_;
  pending_ = 0;
  pendingKind_ = Pending::None;
  const JobRecord r = runner_->record(id);
  status_->clear();
  if (r.status != JobStatus::Done) {
    if (r.status == JobStatus::Failed) showError(r.spec.title + ": " + r.message);
    else status_->setText(tr("Cancelled."));
    updateEnabled();
    return;
  }
  switch (kind) {
    case Pending::Load:
    case Pending::Generate: {
      unit_ = std::static_pointer_cast<const Shown>(r.output.payload);
      show(unit_, true);
      emit info(tr("Web: %1").arg(source_->text()));
      break;
    }
    case Pending::Assemble: {
      // A live preview keeps the camera where the user put it; the first assembly of a unit fits.
      const bool fit = !shown_ || shown_ == unit_;
      show(std::static_pointer_cast<const Shown>(r.output.payload), fit);
      break;
    }
    case Pending::Export: {
#ifdef WEFT_HAVE_WEB_MESH
      auto p = std::static_pointer_cast<const ExportPayload>(r.output.payload);
      report_->setPlainText(tr("Wrote %1\n\n%2").arg(p->written, p->report));
      view_->setMesh(p->mesh, true);  // null for a beam lattice: the view shows the graph, which is what was written
      if (!showMesh_->isChecked()) view_->resetView();
      if (p->beams)
        emit info(tr("Beam lattice written to %1 (%2 beams)").arg(p->written).arg(p->beams));
      else
        emit info(tr("Mesh written to %1 (%2)").arg(p->written, p->watertight ? tr("watertight") : tr("NOT watertight")));
#endif
      break;
    }
    case Pending::None:
      break;
  }
  updateEnabled();
}

}  // namespace weft::studio
