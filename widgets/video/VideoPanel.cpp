#include "video/VideoPanel.h"

#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <memory>

#include "common/error.h"
#include "common/json_io.h"
#include "common/progress_sink.h"
#include "image/clip_export.h"
#include "image/generate.h"
#include "shared/JobRunner.h"
#include "shared/PreviewImages.h"
#include "shared/SeedRow.h"
#include "video/ClipPlayer.h"

namespace weft::studio {

using image::GenerateRequest;
using image::GenerateResult;

namespace {
constexpr const char* kKind = "video-generate";
constexpr const char* kModels = "video";
QString q(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

VideoPanel::VideoPanel(JobRunner* runner, QWidget* parent) : QWidget(parent), runner_(runner) {
  buildUi();
  connect(runner_, &JobRunner::jobStarted, this, &VideoPanel::onStarted);
  connect(runner_, &JobRunner::jobProgress, this, &VideoPanel::onProgress);
  connect(runner_, &JobRunner::jobPreview, this, &VideoPanel::onPreview);
  connect(runner_, &JobRunner::jobFinished, this, &VideoPanel::onFinished);
  refreshModels();
}

void VideoPanel::buildUi() {
  error_ = new QLabel;
  error_->setWordWrap(true);
  error_->setStyleSheet("QLabel { color: #842029; background: #f8d7da; border: 1px solid #f5c2c7; padding: 4px; }");
  error_->hide();

  model_ = new QComboBox;
  model_->setToolTip(tr("Video models: shipped ones and the model JSONs you opened"));
  openModel_ = new QPushButton(tr("Open model…"));
  modelInfo_ = new QLabel;
  modelInfo_->setWordWrap(true);
  class_ = new QComboBox;
  class_->setToolTip(tr("What the clip shows (the model's classes), or unconditional"));
  const SeedRow seedRow = makeSeedRow(this, 1, tr("The same seed and settings give the same clip"));
  seed_ = seedRow.seed;
  dice_ = seedRow.dice;
  cfg_ = new QDoubleSpinBox;
  cfg_->setRange(0, 20);
  cfg_->setSingleStep(0.25);
  cfg_->setValue(1.5);
  cfg_->setToolTip(tr("Classifier-free guidance at the last scale (it ramps up from 0 at the first)"));
  topK_ = new QSpinBox;
  topK_->setRange(0, 1 << 20);
  topK_->setSpecialValueText(tr("off"));
  topK_->setToolTip(tr("Sample among the k most likely codes (0: all)"));
  topP_ = new QDoubleSpinBox;
  topP_->setRange(0, 1);
  topP_->setSingleStep(0.02);
  topP_->setSpecialValueText(tr("off"));
  topP_->setToolTip(tr("Nucleus sampling: the smallest set of codes with this probability mass (0: off)"));
  count_ = new QSpinBox;
  count_->setRange(1, 64);
  count_->setValue(4);
  count_->setToolTip(tr("Clips made together (one strip each in the preview)"));
  preview_ = new QComboBox;
  preview_->addItem(tr("Full (decode every scale)"), "full");
  preview_->addItem(tr("Fast (linear preview)"), "fast");
  preview_->addItem(tr("None"), "none");
  generateButton_ = new QPushButton(tr("Generate"));
  generateButton_->setDefault(true);
  cancelNow_ = new QPushButton(tr("Cancel now"));
  cancelAfter_ = new QPushButton(tr("Cancel after current batch"));
  progress_ = new QProgressBar;
  progress_->setRange(0, 1000);
  status_ = new QLabel;
  status_->setWordWrap(true);

  model_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  model_->setMinimumContentsLength(24);
  auto* form = new QFormLayout;
  form->addRow(tr("Model"), model_);
  form->addRow(QString(), openModel_);
  form->addRow(modelInfo_);
  form->addRow(tr("Class"), class_);
  form->addRow(tr("Seed"), seedRow.layout);
  form->addRow(tr("CFG"), cfg_);
  form->addRow(tr("Top-k"), topK_);
  form->addRow(tr("Top-p"), topP_);
  form->addRow(tr("Clips"), count_);
  form->addRow(tr("Preview"), preview_);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(generateButton_);
  buttons->addWidget(cancelNow_);
  auto* controls = new QWidget;
  auto* left = new QVBoxLayout(controls);
  left->addWidget(error_);
  left->addLayout(form);
  left->addLayout(buttons);
  left->addWidget(cancelAfter_);
  left->addWidget(progress_);
  left->addWidget(status_);
  left->addStretch(1);

  // Scale previews: one row of frames per clip, replaced after every scale.
  stripView_ = new QLabel(tr("The frames appear here scale by scale while a clip is made."));
  stripView_->setAlignment(Qt::AlignCenter);
  stripView_->setWordWrap(true);
  stripScroll_ = new QScrollArea;
  stripScroll_->setWidget(stripView_);
  stripScroll_->setWidgetResizable(true);
  stripScroll_->setMinimumHeight(160);
  auto* stripScroll = stripScroll_;
  stripCaption_ = new QLabel;
  auto* stripBox = new QGroupBox(tr("Frames, scale by scale"));
  auto* stripLayout = new QVBoxLayout(stripBox);
  stripLayout->addWidget(stripScroll, 1);
  stripLayout->addWidget(stripCaption_);

  player_ = new ClipPlayer;
  auto* playerBox = new QGroupBox(tr("Player"));
  auto* playerLayout = new QVBoxLayout(playerBox);
  playerLayout->addWidget(player_);

  auto* centre = new QSplitter(Qt::Vertical);
  centre->addWidget(stripBox);
  centre->addWidget(playerBox);
  centre->setStretchFactor(0, 1);
  centre->setStretchFactor(1, 2);

  history_ = new QListWidget;
  history_->setViewMode(QListView::ListMode);
  history_->setIconSize(QSize(48, 48));
  history_->setToolTip(tr("Every clip made in this session, newest first"));
  rerun_ = new QPushButton(tr("Re-run"));
  remove_ = new QPushButton(tr("Delete"));
  exportFormat_ = new QComboBox;
  exportFormat_->addItem(tr("MP4 video"), "mp4");
  exportFormat_->addItem(tr("Animated GIF"), "gif");
  exportFormat_->addItem(tr("PNG frames (folder)"), "png");
  export_ = new QPushButton(tr("Export…"));
  auto* historyBox = new QGroupBox(tr("History"));
  auto* historyLayout = new QVBoxLayout(historyBox);
  historyLayout->addWidget(history_, 1);
  auto* historyButtons = new QHBoxLayout;
  historyButtons->addWidget(rerun_);
  historyButtons->addWidget(remove_);
  historyLayout->addLayout(historyButtons);
  auto* exportRow = new QHBoxLayout;
  exportRow->addWidget(exportFormat_, 1);
  exportRow->addWidget(export_);
  historyLayout->addLayout(exportRow);

  historyBox->setMaximumWidth(300);
  auto* split = new QSplitter;
  split->addWidget(controls);
  split->addWidget(centre);
  split->addWidget(historyBox);
  split->setStretchFactor(1, 1);
  split->setSizes({300, 600, 240});
  auto* layout = new QHBoxLayout(this);
  layout->addWidget(split);

  connect(model_, &QComboBox::currentIndexChanged, this, &VideoPanel::onModelChanged);
  connect(openModel_, &QPushButton::clicked, this, &VideoPanel::chooseModel);
  connect(generateButton_, &QPushButton::clicked, this, &VideoPanel::generate);
  connect(cancelNow_, &QPushButton::clicked, this, &VideoPanel::cancelNow);
  connect(cancelAfter_, &QPushButton::clicked, this, &VideoPanel::cancelAfterCurrent);
  connect(history_, &QListWidget::currentRowChanged, this, &VideoPanel::showClip);
  connect(rerun_, &QPushButton::clicked, this, [this] { rerun(history_->currentRow()); });
  connect(remove_, &QPushButton::clicked, this, [this] { removeClip(history_->currentRow()); });
  connect(export_, &QPushButton::clicked, this, &VideoPanel::chooseExport);
  updateEnabled();
}

// --- models ---------------------------------------------------------------------------------------------------

void VideoPanel::refreshModels() {
  const QString previous = model_->currentData().toString();
  models_ = ImageModels::scan(ImageModels::shippedRoots(kModels));
  for (const QString& path : ImageModels::userModels(kModels)) {
    const QString canonical = QFileInfo(path).canonicalFilePath();
    bool known = false;
    for (const auto& m : models_) known = known || QFileInfo(m.path).canonicalFilePath() == canonical;
    ImageModelInfo info = known ? ImageModelInfo{} : ImageModels::read(path);
    if (!known && info.ok() && info.frames > 0) models_.push_back(std::move(info));
  }
  {
    const QSignalBlocker block(model_);
    model_->clear();
    for (const auto& m : models_) {
      model_->addItem(m.label(), m.path);
      model_->setItemData(model_->count() - 1, m.ok() ? m.path : m.error, Qt::ToolTipRole);
    }
  }
  const QString want = previous.isEmpty() ? QSettings().value("video/model").toString() : previous;
  const int index = model_->findData(want);
  model_->setCurrentIndex(index >= 0 ? index : (model_->count() > 0 ? 0 : -1));
  onModelChanged();
}

ImageModelInfo VideoPanel::currentModel() const {
  const int i = model_->currentIndex();
  return i >= 0 && i < int(models_.size()) ? models_[size_t(i)] : ImageModelInfo{};
}

void VideoPanel::onModelChanged() {
  const ImageModelInfo m = currentModel();
  if (m.path.isEmpty()) {
    modelInfo_->setText(tr("<b>No video model found.</b> Shipped models live in models/video/&lt;name&gt;/model.json; "
                           "train one with <tt>weft video train</tt> and open its model.json."));
  } else if (!m.ok()) {
    modelInfo_->setText(tr("<b>This model cannot be used:</b> %1").arg(m.error.toHtmlEscaped()));
  } else if (m.frames == 0) {
    modelInfo_->setText(tr("<b>%1 is a picture model:</b> use the Image tab.").arg(m.name.toHtmlEscaped()));
  } else {
    modelInfo_->setText(tr("%1 frames of %2 × %2 px at %3 fps, %4 classes, %5 scales")
                            .arg(m.frames).arg(m.imageSize).arg(m.fps).arg(m.numClasses).arg(m.scales));
    QSettings().setValue("video/model", m.path);
    player_->fpsSpin()->setValue(m.fps);
    if (m.hasRecommended) {  // start from the sampling the model card measured
      cfg_->setValue(m.cfg);
      topK_->setValue(m.topK);
      topP_->setValue(m.topP);
    }
  }
  const int previous = class_->currentData().isValid() ? class_->currentData().toInt() : 0;
  {
    const QSignalBlocker block(class_);
    class_->clear();
    for (int c = 0; c < m.numClasses; ++c) class_->addItem(m.className(c), c);
    if (m.ok() && m.frames > 0) class_->addItem(m.className(-1), -1);
    const int i = class_->findData(previous);
    class_->setCurrentIndex(i >= 0 ? i : 0);
  }
  updateEnabled();
}

bool VideoPanel::openModel(const QString& jsonPath) {
  const ImageModelInfo info = ImageModels::read(jsonPath);
  if (!info.ok()) {
    showError(tr("The model %1 cannot be used: %2").arg(QFileInfo(jsonPath).fileName(), info.error));
    return false;
  }
  if (info.frames == 0) {
    showError(tr("%1 is a picture model: open it in the Image tab.").arg(info.name));
    return false;
  }
  ImageModels::rememberUserModel(info.path, kModels);
  refreshModels();
  model_->setCurrentIndex(model_->findData(info.path));
  clearError();
  emit this->info(tr("Video model %1 opened (%2 classes)").arg(info.name).arg(info.numClasses));
  return true;
}

void VideoPanel::chooseModel() {
  const QString file = QFileDialog::getOpenFileName(this, tr("Open video model"), outputFolder_,
                                                    tr("Model JSON (*.json);;All files (*)"));
  if (!file.isEmpty()) openModel(file);
}

// --- jobs -----------------------------------------------------------------------------------------------------

QString VideoPanel::requestJson(QString* error) const {
  const ImageModelInfo m = currentModel();
  if (m.path.isEmpty() || !m.ok() || m.frames == 0) {
    *error = tr("No usable video model: open a video model JSON with “Open model…”.");
    return {};
  }
  GenerateRequest r;
  r.model = m.path.toStdString();
  r.class_id = class_->currentData().toInt();
  r.seed = std::uint64_t(seed_->value());
  r.cfg = cfg_->value();
  r.top_k = topK_->value();
  r.top_p = topP_->value();
  r.count = count_->value();
  r.batch = std::min(8, r.count);
  r.preview = image::preview_mode_from_name(preview_->currentData().toString().toStdString());
  r.threads = runner_->threads();
  return q(r.to_json().dump());
}

quint64 VideoPanel::submit(const QString& title, const QString& json) {
  JobSpec spec;
  spec.kind = kKind;
  spec.title = title;
  spec.requestJson = json;
  spec.run = [json](ProgressSink& sink, const CancelToken& cancel) {
    auto res = std::make_shared<GenerateResult>(
        image::generate_video(GenerateRequest::from_json(parse_json(json.toStdString(), "video request")), sink, cancel));
    JobOutput out;
    out.summary = QObject::tr("%n clip(s)", nullptr, int(res->clips.size())) +
                  QObject::tr(" in %1 s").arg(res->seconds, 0, 'f', 2);
    out.resultJson = q(res->to_json().dump());
    out.payload = res;
    return out;
  };
  pending_ = runner_->submit(std::move(spec));
  setStatus(runner_->idle() ? tr("Starting…") : tr("Waiting for the running job…"));
  updateEnabled();
  return pending_;
}

quint64 VideoPanel::generate() {
  if (pending_) {
    showError(tr("A clip is being made: wait for it or cancel it."));
    return 0;
  }
  QString error;
  const QString json = requestJson(&error);
  if (json.isEmpty()) {
    showError(error);
    return 0;
  }
  clearError();
  return submit(tr("Video %1, seed %2").arg(class_->currentText()).arg(seed_->value()), json);
}

quint64 VideoPanel::rerun(int row) {
  if (row < 0 || row >= int(clips_.size())) return 0;
  if (clips_[size_t(row)].requestJson.isEmpty()) {
    showError(tr("This clip was not made by Weft here: there is no request to run again."));
    return 0;
  }
  if (pending_) {
    showError(tr("A clip is being made: wait for it or cancel it."));
    return 0;
  }
  clearError();
  return submit(tr("Re-run: %1").arg(clips_[size_t(row)].title), clips_[size_t(row)].requestJson);
}

void VideoPanel::removeClip(int row) {
  if (row < 0 || row >= int(clips_.size())) return;
  clips_.erase(clips_.begin() + row);
  delete history_->takeItem(row);
  if (clips_.empty()) player_->clear(tr("No clip yet"));
  updateEnabled();
}

quint64 VideoPanel::exportClip(int row, const QString& path, const QString& format) {
  if (row < 0 || row >= int(clips_.size()) || path.isEmpty()) return 0;
  const Clip& c = clips_[size_t(row)];
  auto frames = std::make_shared<std::vector<PreviewImage>>();
  for (const QImage& f : c.frames) frames->push_back(toPreviewImage(f));
  JobSpec spec;
  spec.kind = "video-export";
  spec.title = tr("Export %1").arg(QFileInfo(path).fileName());
  spec.requestJson = q(Json{{"path", path.toStdString()}, {"format", format.toStdString()}, {"clip", c.title.toStdString()}}.dump());
  spec.run = [frames, fps = c.fps, meta = c.metadataJson, path, format](ProgressSink&, const CancelToken&) {
    image::write_clip(path.toStdString(), *frames, fps, image::clip_format_from_name(format.toStdString()),
                      parse_json(meta.toStdString(), "clip metadata"));
    JobOutput out;
    out.summary = path;
    return out;
  };
  const quint64 id = runner_->submit(std::move(spec));
  exports_[id] = path;
  return id;
}

namespace {
struct OpenedClip {
  std::vector<QImage> frames;
  QString metadata;
};
}  // namespace

quint64 VideoPanel::openClip(const QString& path) {
  JobSpec spec;
  spec.kind = "video-open";
  spec.title = tr("Open %1").arg(QFileInfo(path).fileName());
  spec.requestJson = q(Json{{"path", path.toStdString()}}.dump());
  spec.run = [path](ProgressSink&, const CancelToken&) {
    std::string metadata;
    const auto frames = image::read_clip_frames(path.toStdString(), 1024, &metadata);
    auto o = std::make_shared<OpenedClip>();
    for (const auto& f : frames) o->frames.push_back(toQImage(f));
    o->metadata = q(metadata);
    JobOutput out;
    out.summary = QObject::tr("%n frame(s)", nullptr, int(frames.size()));
    out.payload = o;
    return out;
  };
  const quint64 id = runner_->submit(std::move(spec));
  opens_[id] = path;
  return id;
}

void VideoPanel::addClip(Clip clip, const QString& tooltip) {
  auto* item = new QListWidgetItem(QIcon(QPixmap::fromImage(clip.frames.front().scaled(48, 48))), clip.title);
  item->setToolTip(tooltip);
  clips_.insert(clips_.begin(), std::move(clip));
  history_->insertItem(0, item);
}

void VideoPanel::restoreSettings(const QString& metadataJson, const QString& file) {
  try {
    const Json meta = parse_json(metadataJson.toStdString(), file.toStdString());
    if (!meta.contains("weft") || meta.at("weft").value("job", "") != kKind) return;
    const auto r = GenerateRequest::from_json(meta.at("weft").at("request"));
    const QString model = q(r.model);
    if (QFileInfo(model).isFile() && model_->findData(QFileInfo(model).absoluteFilePath()) < 0) openModel(model);
    const int m = model_->findData(QFileInfo(model).absoluteFilePath());
    if (m >= 0) model_->setCurrentIndex(m);
    const int c = class_->findData(r.class_id < 0 ? -1 : r.class_id);
    if (c >= 0) class_->setCurrentIndex(c);
    seed_->setValue(int(std::min<std::uint64_t>(r.seed, std::uint64_t(seed_->maximum()))));
    cfg_->setValue(r.cfg);
    topK_->setValue(r.top_k);
    topP_->setValue(r.top_p);
    if (m < 0) showError(tr("%1 was made with a model that is not here (%2); its other settings are restored.")
                             .arg(QFileInfo(file).fileName(), model));
    emit restored(file);
  } catch (const Error& e) {
    showError(tr("%1 carries settings that cannot be read: %2").arg(QFileInfo(file).fileName(), q(e.what())));
  }
}

void VideoPanel::chooseExport() {
  const int row = history_->currentRow();
  if (row < 0) return;
  const QString format = exportFormat_->currentData().toString();
  QString name = clips_[size_t(row)].title;
  name.replace(QRegularExpression("[^A-Za-z0-9_-]+"), "-");
  const QString start = QDir(QDir(outputFolder_).filePath("video")).filePath(name);
  QString path;
  if (format == "png") {
    path = QFileDialog::getSaveFileName(this, tr("Export frames into a new folder"), start, tr("Folder (*)"));
  } else {
    const QString filter = format == "gif" ? tr("GIF (*.gif)") : tr("MP4 (*.mp4)");
    path = QFileDialog::getSaveFileName(this, tr("Export clip"), start + "." + format, filter);
    if (!path.isEmpty() && !path.endsWith("." + format, Qt::CaseInsensitive)) path += "." + format;
  }
  if (!path.isEmpty()) exportClip(row, path, format);
}

void VideoPanel::cancelNow() {
  if (pending_) runner_->cancelNow(pending_);
}

void VideoPanel::cancelAfterCurrent() {
  if (pending_) runner_->cancelAfterCurrent(pending_);
}

void VideoPanel::onStarted(quint64 id) {
  if (id != pending_) return;
  progress_->setValue(0);
  setStatus(tr("Loading the model…"));
}

void VideoPanel::onProgress(quint64 id, double fraction, const QString& stage) {
  if (id != pending_) return;
  progress_->setValue(int(fraction * 1000));
  setStatus(stage);
}

void VideoPanel::onPreview(quint64 id, int step, int steps, const QString& label, const QImage& image) {
  if (id != pending_) return;
  strip_ = image;
  // Fitted to the view's width without smoothing (up to ×3), so the coarse scales read as the blocks they are.
  const double fit = std::min(3.0, double(stripScroll_->viewport()->width() - 4) / std::max(1, image.width()));
  const QSize size(std::max(1, int(image.width() * fit)), std::max(1, int(image.height() * fit)));
  stripView_->setPixmap(QPixmap::fromImage(image.scaled(size, Qt::KeepAspectRatio, Qt::FastTransformation)));
  stripCaption_->setText(tr("%1 — each row is one clip, frames left to right").arg(label));
  emit stripShown(step, steps, label);
}

void VideoPanel::onFinished(quint64 id) {
  const JobRecord r = runner_->record(id);
  if (auto it = exports_.find(id); it != exports_.end()) {
    if (r.status == JobStatus::Done) {
      setStatus(tr("Exported %1").arg(it->second));
      emit info(tr("Clip exported: %1").arg(it->second));
    } else {
      showError(tr("Export failed: %1").arg(r.message));
    }
    exports_.erase(it);
    return;
  }
  if (auto it = opens_.find(id); it != opens_.end()) {
    const QString path = it->second;
    opens_.erase(it);
    if (r.status != JobStatus::Done || !r.output.payload) return showError(tr("Cannot open the clip: %1").arg(r.message));
    clearError();
    auto o = std::static_pointer_cast<const OpenedClip>(r.output.payload);
    Clip c;
    c.frames = o->frames;
    c.title = QFileInfo(path).fileName();
    c.fps = player_->fpsSpin()->value();
    if (!o->metadata.isEmpty()) {
      try {
        const Json meta = parse_json(o->metadata.toStdString(), path.toStdString());
        c.fps = meta.value("fps", c.fps);
        if (meta.contains("weft")) c.requestJson = q(meta.at("weft").at("request").dump());
        c.metadataJson = o->metadata;
      } catch (const Error&) {
      }
    }
    if (c.metadataJson.isEmpty()) c.metadataJson = q(Json{{"source", path.toStdString()}}.dump());
    addClip(std::move(c), path);
    history_->setCurrentRow(0);
    setStatus(tr("Opened %1 (%2).").arg(QFileInfo(path).fileName(), r.output.summary));
    if (!o->metadata.isEmpty()) restoreSettings(o->metadata, path);
    return;
  }
  if (id != pending_) return;
  pending_ = 0;
  if (r.output.payload) {
    auto res = std::static_pointer_cast<const GenerateResult>(r.output.payload);
    const ImageModelInfo model = ImageModels::read(q(res->request.model));
    const int n = int(res->clips.size());
    for (int i = n - 1; i >= 0; --i) {  // newest first; the job's first clip on top
      Clip c;
      for (const auto& f : res->clips[size_t(i)]) c.frames.push_back(toQImage(f));
      c.fps = res->fps;
      c.requestJson = r.spec.requestJson;
      Json meta = res->to_json();
      meta["index"] = i;
      c.metadataJson = q(meta.dump());
      c.title = model.className(res->request.class_id) + tr(" · seed %1").arg(res->request.seed) +
                (n > 1 ? QStringLiteral(" #%1").arg(i + 1) : QString());
      addClip(std::move(c), q(res->to_json().dump(2)));
    }
    if (n > 0) {
      history_->setCurrentRow(0);
      player_->play();
    }
  }
  if (r.status == JobStatus::Failed) {
    progress_->setValue(0);
    setStatus(tr("Failed."));
    showError(tr("%1 failed: %2").arg(r.spec.title, r.message));
  } else if (r.status == JobStatus::Cancelled) {
    progress_->setValue(0);
    setStatus(r.output.payload ? tr("Stopped after the current batch: %1.").arg(r.output.summary) : tr("Cancelled."));
  } else {
    progress_->setValue(1000);
    setStatus(tr("Done: %1.").arg(r.output.summary));
  }
  updateEnabled();
}

void VideoPanel::showClip(int row) {
  if (row < 0 || row >= int(clips_.size())) return;
  const Clip& c = clips_[size_t(row)];
  player_->setClip(c.frames, c.fps, c.title);
  updateEnabled();
}

QString VideoPanel::errorText() const { return error_->isHidden() ? QString() : error_->text(); }
QString VideoPanel::statusText() const { return status_->text(); }

void VideoPanel::showError(const QString& text) {
  error_->setText(text);
  error_->show();
  emit problem(text);
}

void VideoPanel::clearError() {
  error_->clear();
  error_->hide();
}

void VideoPanel::setStatus(const QString& text) { status_->setText(text); }

void VideoPanel::updateEnabled() {
  const ImageModelInfo m = currentModel();
  const bool usable = m.ok() && m.frames > 0;
  generateButton_->setEnabled(usable && !pending_);
  cancelNow_->setEnabled(pending_ != 0);
  cancelAfter_->setEnabled(pending_ != 0);
  const int row = history_->currentRow();
  const bool selected = row >= 0 && row < int(clips_.size());
  rerun_->setEnabled(selected && !pending_ && !clips_[size_t(row)].requestJson.isEmpty());
  remove_->setEnabled(selected);
  export_->setEnabled(selected);
}

}  // namespace weft::studio
