#include "image/ImagePanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDateTime>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSaveFile>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTextBrowser>
#include <QToolButton>
#include <QVBoxLayout>
#include <climits>
#include <memory>
#include <optional>

#include "common/cancel_token.h"
#include "common/error.h"
#include "common/json_io.h"
#include "common/progress_sink.h"
#include "image/ImageCanvas.h"
#include "image/ImageGallery.h"
#include "image/ImageTrainDialog.h"
#include "image/edit.h"
#include "image/generate.h"
#include "image/result_files.h"
#include "shared/JobRunner.h"
#include "shared/PreviewImages.h"
#include "shared/SeedRow.h"

namespace weft::studio {

using image::EditRequest;
using image::GenerateRequest;
using image::GenerateResult;

namespace {

constexpr const char* kGenerateKind = "image-generate";
constexpr const char* kEditKind = "image-edit";
constexpr int kMaxEditSide = 512;  // pictures opened for editing are cropped to a square of at most this size

QString q(const std::string& s) { return QString::fromStdString(s); }

bool isSamplingKind(const QString& kind) { return kind == kGenerateKind || kind == kEditKind; }

// Atomic PNG write of a QImage (QSaveFile: a crash leaves the old file or none, never half a file).
void writePngAtomic(const QString& path, const QImage& image) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) || !image.save(&file, "PNG") || !file.commit())
    throw Error(QObject::tr("cannot write the picture (%1)").arg(file.errorString()).toStdString(), path.toStdString());
}

}  // namespace

// What an "open picture" job hands back: the picture cropped to the square the model sees, and its text chunks.
struct ImagePanel::Opened {
  QString path;
  QImage image;
  QString weft;        // tEXt "weft" (a result's JSON) or ""
  QString parameters;  // tEXt "parameters" (A1111 style) or ""
};

ImagePanel::ImagePanel(JobRunner* runner, QWidget* parent) : QWidget(parent), runner_(runner) {
  buildUi();
  connect(runner_, &JobRunner::jobStarted, this, &ImagePanel::onStarted);
  connect(runner_, &JobRunner::jobFinished, this, &ImagePanel::onFinished);
  connect(runner_, &JobRunner::jobProgress, this, &ImagePanel::onProgress);
  connect(runner_, &JobRunner::jobPreview, this, &ImagePanel::onPreview);
  refreshModels();
  updateEnabled();
}

ImagePanel::~ImagePanel() = default;

void ImagePanel::buildUi() {
  // Model.
  auto* modelBox = new QGroupBox(tr("Model"));
  auto* modelLayout = new QVBoxLayout(modelBox);
  model_ = new QComboBox;
  model_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  model_->setMinimumContentsLength(18);
  modelLayout->addWidget(model_);
  auto* modelButtons = new QHBoxLayout;
  openModel_ = new QPushButton(tr("Open model…"));
  openModel_->setToolTip(tr("A model JSON (config + weight files); it is remembered for the next start"));
  card_ = new QPushButton(tr("Model card"));
  card_->setToolTip(tr("The MODEL_CARD.md next to the model: data, training, licence, limits"));
  modelButtons->addWidget(openModel_);
  modelButtons->addWidget(card_);
  modelLayout->addLayout(modelButtons);
  trainModel_ = new QPushButton(tr("Train a model…"));
  trainModel_->setToolTip(tr("Train a model on a picture folder (one sub-folder per class) or on Fashion-MNIST; "
                             "dropping a folder on the window opens the same dialog"));
  modelLayout->addWidget(trainModel_);
  modelInfo_ = new QLabel;
  modelInfo_->setWordWrap(true);
  modelInfo_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  modelLayout->addWidget(modelInfo_);

  // Sampling.
  auto* sampleBox = new QGroupBox(tr("Sampling"));
  auto* form = new QFormLayout(sampleBox);
  class_ = new QComboBox;
  form->addRow(tr("Class"), class_);
  const SeedRow seedRow = makeSeedRow(this, 7, tr("The same seed and settings give the same pixels"));
  seed_ = seedRow.seed;
  dice_ = seedRow.dice;
  form->addRow(tr("Seed"), seedRow.layout);
  cfg_ = new QDoubleSpinBox;
  cfg_->setRange(0, 100);
  cfg_->setDecimals(2);
  cfg_->setSingleStep(0.25);
  cfg_->setValue(1.5);
  cfg_->setToolTip(tr("Classifier-free guidance at the last scale (it ramps up from 0 at the first); 0 = off"));
  form->addRow(tr("CFG"), cfg_);
  topK_ = new QSpinBox;
  topK_->setRange(0, 1000000);
  topK_->setValue(900);
  topK_->setSpecialValueText(tr("off"));
  topK_->setToolTip(tr("Sample among the k most likely tokens; 0 = off"));
  form->addRow(tr("Top-k"), topK_);
  topP_ = new QDoubleSpinBox;
  topP_->setRange(0, 1);
  topP_->setDecimals(3);
  topP_->setSingleStep(0.01);
  topP_->setValue(0.96);
  topP_->setSpecialValueText(tr("off"));
  topP_->setToolTip(tr("Sample within the smallest set of tokens holding this probability; 0 = off"));
  form->addRow(tr("Top-p"), topP_);
  count_ = new QSpinBox;
  count_->setRange(1, 256);
  count_->setValue(1);
  count_->setToolTip(tr("Pictures per run; they are sampled in batches of up to 8"));
  form->addRow(tr("Count"), count_);
  preview_ = new QComboBox;
  preview_->addItem(tr("full (decode every scale)"), "full");
  preview_->addItem(tr("fast (linear latent preview)"), "fast");
  preview_->addItem(tr("none"), "none");
  preview_->setToolTip(tr("How the picture is shown while it grows, one preview per scale"));
  form->addRow(tr("Preview"), preview_);
  generateButton_ = new QPushButton(tr("Generate"));
  generateButton_->setDefault(true);
  form->addRow(generateButton_);
  auto* cancelRow = new QHBoxLayout;
  cancelNow_ = new QPushButton(tr("Cancel now"));
  cancelNow_->setToolTip(tr("Stop at the next scale; nothing of the run is kept"));
  cancelAfter_ = new QPushButton(tr("Cancel after current"));
  cancelAfter_->setToolTip(tr("Finish the batch being sampled (up to 8 pictures), keep it, and stop"));
  cancelRow->addWidget(cancelNow_);
  cancelRow->addWidget(cancelAfter_);
  form->addRow(cancelRow);
  progress_ = new QProgressBar;
  progress_->setRange(0, 1000);
  progress_->setTextVisible(false);
  progress_->setMaximumHeight(8);
  form->addRow(progress_);
  status_ = new QLabel;
  status_->setWordWrap(true);
  form->addRow(status_);

  // Mask editor tools (they sit above the mask canvas, in its tab).
  openImage_ = new QPushButton(tr("Open picture…"));
  openImage_->setToolTip(tr("Any picture; it is cropped to a centred square. Or pick one in the pictures below and "
                            "press Edit with mask"));
  brush_ = new QSpinBox;
  brush_->setRange(2, 400);
  brush_->setValue(40);
  brush_->setPrefix(tr("brush "));
  brush_->setSuffix(tr(" px"));
  brush_->setToolTip(tr("Brush diameter on the screen"));
  erase_ = new QCheckBox(tr("Erase"));
  erase_->setToolTip(tr("The left button erases too (the right button always does)"));
  clearMask_ = new QPushButton(tr("Clear"));
  invertMask_ = new QPushButton(tr("Invert"));
  invertMask_->setToolTip(tr("Swap painted and unpainted: paint what to keep, invert, and the rest is repainted "
                             "(out-painting)"));
  repaintButton_ = new QPushButton(tr("Repaint masked region"));
  repaintButton_->setToolTip(tr("Keeps the picture's tokens outside the mask and samples the masked ones for the "
                                "class, with the sampling settings on the left"));
  maskInfo_ = new QLabel;
  maskInfo_->setWordWrap(true);

  auto* controls = new QWidget;
  auto* controlsLayout = new QVBoxLayout(controls);
  controlsLayout->addWidget(modelBox);
  controlsLayout->addWidget(sampleBox);
  controlsLayout->addStretch(1);
  auto* scroll = new QScrollArea;
  scroll->setWidget(controls);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  scroll->setMinimumWidth(controls->sizeHint().width() + 20);

  // Canvas (preview | mask editor) over the history.
  preview_canvas_ = new ImageCanvas;
  mask_canvas_ = new ImageCanvas;
  mask_canvas_->clearImage(tr("Open a picture, or pick one among the pictures below and press “Edit with mask”"));
  mask_canvas_->setMaskMode(true);
  mask_canvas_->setBrushSize(brush_->value());
  auto* maskPage = new QWidget;
  auto* maskTools = new QHBoxLayout;
  maskTools->addWidget(openImage_);
  maskTools->addSpacing(12);
  maskTools->addWidget(brush_);
  maskTools->addWidget(erase_);
  maskTools->addWidget(clearMask_);
  maskTools->addWidget(invertMask_);
  maskTools->addStretch(1);
  maskTools->addWidget(repaintButton_);
  auto* maskLayout = new QVBoxLayout(maskPage);
  maskLayout->setContentsMargins(4, 4, 4, 4);
  maskLayout->addLayout(maskTools);
  auto* maskHelp = new QLabel(tr("Paint the region to repaint (left button; right button erases)."));
  maskHelp->setWordWrap(true);
  auto* maskTexts = new QHBoxLayout;
  maskTexts->addWidget(maskHelp, 1);
  maskTexts->addWidget(maskInfo_, 1);
  maskLayout->addLayout(maskTexts);
  maskLayout->addWidget(mask_canvas_, 1);
  views_ = new QTabWidget;
  views_->addTab(preview_canvas_, tr("Preview"));
  views_->addTab(maskPage, tr("Mask editor"));
  gallery_ = new ImageGallery;
  auto* right = new QSplitter(Qt::Vertical);
  right->addWidget(views_);
  right->addWidget(gallery_);
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

  connect(model_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] { onModelChanged(); });
  connect(openModel_, &QPushButton::clicked, this, &ImagePanel::chooseModel);
  connect(card_, &QPushButton::clicked, this, &ImagePanel::showModelCard);
  connect(trainModel_, &QPushButton::clicked, this, [this] { openTrainDialog(); });
  connect(generateButton_, &QPushButton::clicked, this, [this] { generate(); });
  connect(cancelNow_, &QPushButton::clicked, this, &ImagePanel::cancelNow);
  connect(cancelAfter_, &QPushButton::clicked, this, &ImagePanel::cancelAfterCurrent);
  connect(openImage_, &QPushButton::clicked, this, &ImagePanel::chooseImage);
  connect(brush_, qOverload<int>(&QSpinBox::valueChanged), mask_canvas_, &ImageCanvas::setBrushSize);
  connect(erase_, &QCheckBox::toggled, mask_canvas_, &ImageCanvas::setErasing);
  connect(clearMask_, &QPushButton::clicked, mask_canvas_, &ImageCanvas::clearMask);
  connect(invertMask_, &QPushButton::clicked, mask_canvas_, &ImageCanvas::invertMask);
  connect(mask_canvas_, &ImageCanvas::maskChanged, this, &ImagePanel::updateEnabled);
  connect(repaintButton_, &QPushButton::clicked, this, [this] { editMasked(); });
  connect(gallery_, &ImageGallery::currentChanged, this, [this](quint64 key) {
    if (const GalleryEntry* e = gallery_->entry(key)) preview_canvas_->setImage(e->image, e->title);
  });
  connect(gallery_, &ImageGallery::rerunRequested, this, [this](quint64 key) { rerun(key); });
  connect(gallery_, &ImageGallery::editRequested, this, &ImagePanel::editEntry);
  connect(gallery_, &ImageGallery::saveRequested, this, &ImagePanel::chooseSave);
}

// --- training ---------------------------------------------------------------------------------------------------

void ImagePanel::setOutputFolder(const QString& folder) {
  outputFolder_ = folder;
  if (trainDialog_) trainDialog_->setOutputRoot(folder);
}

ImageTrainDialog* ImagePanel::openTrainDialog(const QString& folder) {
  if (!trainDialog_) {
    trainDialog_ = new ImageTrainDialog(runner_, this);
    trainDialog_->setOutputRoot(outputFolder_);
    connect(trainDialog_, &ImageTrainDialog::modelTrained, this, [this](const QString& json) { openModel(json); });
  }
  if (!folder.isEmpty()) {
    if (trainDialog_->busy())
      emit problem(tr("A training is running: %1 can be trained when it has finished (or after Cancel now).")
                       .arg(QDir::toNativeSeparators(folder)));
    else
      trainDialog_->setDataFolder(folder);
  }
  trainDialog_->show();
  trainDialog_->raise();
  trainDialog_->activateWindow();
  return trainDialog_;
}

// --- models ---------------------------------------------------------------------------------------------------

void ImagePanel::refreshModels() {
  const QString previous = model_->currentData().toString();
  models_ = ImageModels::scan(ImageModels::shippedRoots());
  for (const QString& path : ImageModels::userModels()) {
    const QString canonical = QFileInfo(path).canonicalFilePath();
    bool known = false;
    for (const auto& m : models_) known = known || QFileInfo(m.path).canonicalFilePath() == canonical;
    if (known) continue;
    ImageModelInfo info = ImageModels::read(path);
    if (info.ok()) models_.push_back(std::move(info));  // a remembered file that went bad is not offered
  }
  {
    const QSignalBlocker block(model_);
    model_->clear();
    for (const auto& m : models_) {
      model_->addItem(m.label(), m.path);
      model_->setItemData(model_->count() - 1, m.ok() ? m.path : m.error, Qt::ToolTipRole);
    }
  }
  QString want = previous.isEmpty() ? QSettings().value("image/model").toString() : previous;
  int index = model_->findData(want);
  if (index < 0) {  // the first usable one
    for (int i = 0; i < int(models_.size()) && index < 0; ++i)
      if (models_[size_t(i)].ok()) index = i;
  }
  model_->setCurrentIndex(index < 0 && model_->count() > 0 ? 0 : index);
  onModelChanged();
}

ImageModelInfo ImagePanel::currentModel() const {
  const int i = model_->currentIndex();
  return i >= 0 && i < int(models_.size()) ? models_[size_t(i)] : ImageModelInfo{};
}

int ImagePanel::classId() const { return class_->currentIndex() < 0 ? 0 : class_->currentData().toInt(); }

void ImagePanel::onModelChanged() {
  const ImageModelInfo m = currentModel();
  if (m.path.isEmpty()) {
    QStringList roots;
    for (const QString& r : ImageModels::shippedRoots()) roots << QDir::cleanPath(r).toHtmlEscaped();
    modelInfo_->setText(tr("<b>No image model found.</b> Trained models are looked up in %1 "
                           "(one <tt>&lt;name&gt;/model.json</tt> each). Use <i>Open model…</i> for a model JSON, "
                           "or <i>Train a model…</i> on your pictures.")
                            .arg(roots.join(tr(" and "))));
    preview_canvas_->clearImage(
        tr("No image model yet: open one with “Open model…”, or train one with “Train a model…”"));
  } else if (!m.ok()) {
    modelInfo_->setText(tr("<b>This model cannot be used:</b> %1").arg(m.error.toHtmlEscaped()));
    showError(m.error);
  } else {
    modelInfo_->setText(tr("%1 × %1 px, %2 classes, %3 scales (%4 × %4 tokens at the last)%5")
                            .arg(m.imageSize).arg(m.numClasses).arg(m.scales).arg(m.latentSize)
                            .arg(m.classNames.isEmpty() ? tr("; no class names in the JSON") : QString()));
    modelInfo_->setToolTip(m.path);
    QSettings().setValue("image/model", m.path);
    clearError();
  }
  card_->setEnabled(!m.cardPath.isEmpty());
  mask_canvas_->setGrid(m.ok() ? m.latentSize : 0);
  fillClasses();
  updateEnabled();
}

void ImagePanel::fillClasses() {
  const int previous = class_->count() ? classId() : 0;
  const ImageModelInfo m = currentModel();
  const QSignalBlocker block(class_);
  class_->clear();
  for (int c = 0; c < m.numClasses; ++c) class_->addItem(m.className(c), c);
  if (m.ok()) class_->addItem(m.className(-1), -1);
  const int index = class_->findData(previous);
  class_->setCurrentIndex(index >= 0 ? index : 0);
}

void ImagePanel::selectModel(const QString& path) {
  const QString canonical = QFileInfo(path).canonicalFilePath();
  for (int i = 0; i < int(models_.size()); ++i)
    if (QFileInfo(models_[size_t(i)].path).canonicalFilePath() == canonical) {
      model_->setCurrentIndex(i);
      return;
    }
}

bool ImagePanel::openModel(const QString& jsonPath) {
  const ImageModelInfo info = ImageModels::read(jsonPath);
  if (!info.ok()) {
    showError(tr("The model %1 cannot be used: %2").arg(QFileInfo(jsonPath).fileName(), info.error));
    return false;
  }
  if (info.frames > 0) {
    showError(tr("%1 is a video model (%2-frame clips): open it in the Video tab.").arg(info.name).arg(info.frames));
    return false;
  }
  ImageModels::rememberUserModel(info.path);
  refreshModels();
  selectModel(info.path);
  emit this->info(tr("Image model %1 opened (%2 classes)").arg(info.name).arg(info.numClasses));
  return true;
}

void ImagePanel::chooseModel() {
  const QString start = currentModel().path.isEmpty() ? outputFolder_ : QFileInfo(currentModel().path).absolutePath();
  const QString file = QFileDialog::getOpenFileName(this, tr("Open image model"), start,
                                                    tr("Model JSON (*.json);;All files (*)"));
  if (!file.isEmpty()) openModel(file);
}

void ImagePanel::showModelCard() {
  const ImageModelInfo m = currentModel();
  QFile f(m.cardPath);
  if (!f.open(QIODevice::ReadOnly)) return showError(tr("Cannot read the model card %1").arg(m.cardPath));
  QDialog dialog(this);
  dialog.setWindowTitle(tr("Model card — %1").arg(m.name));
  auto* text = new QTextBrowser;
  text->setMarkdown(QString::fromUtf8(f.read(1 << 20)));
  text->setOpenExternalLinks(true);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
  connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  auto* layout = new QVBoxLayout(&dialog);
  layout->addWidget(text);
  layout->addWidget(buttons);
  dialog.resize(640, 560);
  dialog.exec();
}

// --- jobs -----------------------------------------------------------------------------------------------------

QString ImagePanel::generateRequestJson(QString* error) const {
  const ImageModelInfo m = currentModel();
  if (m.path.isEmpty()) {
    *error = tr("No image model: open a model JSON with “Open model…”.");
    return {};
  }
  if (!m.ok()) {
    *error = tr("The model %1 cannot be used: %2").arg(m.name, m.error);
    return {};
  }
  GenerateRequest r;
  r.model = m.path.toStdString();
  r.class_id = classId();
  r.seed = std::uint64_t(seed_->value());
  r.cfg = cfg_->value();
  r.top_k = topK_->value();
  r.top_p = topP_->value();
  r.count = count_->value();
  r.batch = std::min(r.count, 8);
  r.preview = image::preview_mode_from_name(preview_->currentData().toString().toStdString());
  r.threads = runner_->threads();
  try {
    r.validate();
  } catch (const Error& e) {
    *error = q(e.what());
    return {};
  }
  return q(r.to_json().dump());
}

quint64 ImagePanel::submitSampling(const QString& kind, const QString& title, const QString& requestJson,
                                   const QString& sourceToWrite, const QImage& source, const QString& maskToWrite,
                                   const QImage& mask) {
  JobSpec spec;
  spec.kind = kind;
  spec.title = title;
  spec.requestJson = requestJson;
  spec.run = [kind, requestJson, sourceToWrite, source, maskToWrite, mask](ProgressSink& sink,
                                                                          const CancelToken& cancel) {
    // An edit of a picture that is not on disk yet: its source and mask are written first (the request names them).
    if (!sourceToWrite.isEmpty() && !source.isNull()) writePngAtomic(sourceToWrite, source);
    if (!maskToWrite.isEmpty() && !mask.isNull()) writePngAtomic(maskToWrite, mask);
    const Json j = parse_json(requestJson.toStdString(), "image request");
    auto res = std::make_shared<GenerateResult>(
        kind == kEditKind ? image::edit(EditRequest::from_json(j), sink, cancel)
                          : image::generate(GenerateRequest::from_json(j), sink, cancel));
    JobOutput out;
    out.summary = QObject::tr("%n picture(s)", nullptr, int(res->images.size())) +
                  QObject::tr(" in %1 s").arg(res->seconds, 0, 'f', 2);
    out.resultJson = q(res->to_json().dump());
    out.payload = res;
    return out;
  };
  const quint64 id = runner_->submit(std::move(spec));
  mine_[id] = kind == kEditKind ? Pending::Edit : Pending::Generate;
  pending_ = id;
  setStatus(runner_->idle() ? tr("Starting…") : tr("Waiting for the running job…"));
  updateEnabled();
  return id;
}

quint64 ImagePanel::generate() {
  if (pending_) {
    showError(tr("A picture is being made: wait for it or cancel it."));
    return 0;
  }
  QString error;
  const QString json = generateRequestJson(&error);
  if (json.isEmpty()) {
    showError(error);
    return 0;
  }
  clearError();
  const QString title = tr("Generate %1, seed %2").arg(class_->currentText()).arg(seed_->value());
  return submitSampling(kGenerateKind, title, json);
}

quint64 ImagePanel::editMasked() {
  if (pending_) {
    showError(tr("A picture is being made: wait for it or cancel it."));
    return 0;
  }
  if (editSource_.isNull()) {
    showError(tr("Nothing to edit: open a picture, or pick one among the pictures and press “Edit with mask”."));
    return 0;
  }
  if (mask_canvas_->maskCoverage() <= 0.0 || (currentModel().latentSize > 0 && mask_canvas_->repaintedCellCount() == 0)) {
    showError(tr("Paint the region to repaint first: a token is repainted when at least half of its cell is painted "
                 "(Invert repaints everything outside a painted region)."));
    return 0;
  }
  QString error;
  const QString json = generateRequestJson(&error);
  if (json.isEmpty()) {
    showError(error);
    return 0;
  }
  clearError();
  // The edit's inputs are kept next to the results, so that the saved result repeats the edit.
  const QString folder = QDir(outputFolder_.isEmpty() ? QDir::tempPath() : outputFolder_).filePath("image/edits");
  const QString stem = QDir(folder).filePath(QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss-zzz"));
  QImage keep = mask_canvas_->mask();  // 255 = repaint → the core's mask: white = keep
  keep.invertPixels();
  EditRequest r;
  r.generate = GenerateRequest::from_json(parse_json(json.toStdString(), "image request"));
  r.image = (stem + "-source.png").toStdString();
  r.mask = (stem + "-mask.png").toStdString();
  const QString title = tr("Edit %1, seed %2 (%3 % repainted)")
                            .arg(class_->currentText()).arg(seed_->value())
                            .arg(qRound(100 * mask_canvas_->maskCoverage()));
  return submitSampling(kEditKind, title, q(r.to_json().dump()), q(r.image), editSource_, q(r.mask), keep);
}

quint64 ImagePanel::rerun(quint64 key) {
  const GalleryEntry* e = gallery_->entry(key);
  if (!e) return 0;
  if (pending_) {
    showError(tr("A picture is being made: wait for it or cancel it."));
    return 0;
  }
  if (e->job == kEditKind) {
    try {
      const EditRequest r = EditRequest::from_json(parse_json(e->requestJson.toStdString(), "image request"));
      for (const std::string& f : {r.image, r.mask})
        if (!f.empty() && !QFileInfo(q(f)).isFile())
          throw Error("the edit's input is gone", f);
    } catch (const Error& err) {
      showError(tr("Cannot re-run this edit: %1").arg(q(err.what())));
      return 0;
    }
  }
  clearError();
  return submitSampling(e->job, tr("Re-run: %1").arg(e->title), e->requestJson);
}

quint64 ImagePanel::savePng(quint64 key, const QString& path) {
  const GalleryEntry* e = gallery_->entry(key);
  if (!e || path.isEmpty()) return 0;
  JobSpec spec;
  spec.kind = "image-save";
  spec.title = tr("Save %1").arg(QFileInfo(path).fileName());
  spec.requestJson = q(Json{{"path", path.toStdString()}, {"picture", e->title.toStdString()}}.dump());
  spec.run = [image = e->image, meta = e->metadataJson, path](ProgressSink&, const CancelToken&) {
    QDir().mkpath(QFileInfo(path).absolutePath());
    image::save_png(path.toStdString(), toPreviewImage(image), parse_json(meta.toStdString(), "picture metadata"));
    JobOutput out;
    out.summary = path;
    return out;
  };
  const quint64 id = runner_->submit(std::move(spec));
  mine_[id] = Pending::Save;
  return id;
}

void ImagePanel::chooseSave(quint64 key) {
  const GalleryEntry* e = gallery_->entry(key);
  if (!e) return;
  QString name = e->title;
  name.replace(QRegularExpression("[^A-Za-z0-9_-]+"), "-");
  const QString start = QDir(QDir(outputFolder_).filePath("image")).filePath(name + ".png");
  const QString file = QFileDialog::getSaveFileName(this, tr("Save picture"), start, tr("PNG (*.png)"));
  if (!file.isEmpty()) savePng(key, file.endsWith(".png", Qt::CaseInsensitive) ? file : file + ".png");
}

quint64 ImagePanel::openImage(const QString& path) {
  JobSpec spec;
  spec.kind = "image-open";
  spec.title = tr("Open %1").arg(QFileInfo(path).fileName());
  spec.requestJson = q(Json{{"path", path.toStdString()}}.dump());
  spec.run = [path](ProgressSink&, const CancelToken&) {
    QImageReader reader(path);
    reader.setAutoTransform(true);
    QImage img = reader.read();
    if (img.isNull())
      throw Error(QObject::tr("cannot read the picture (%1)").arg(reader.errorString()).toStdString(),
                  path.toStdString());
    auto o = std::make_shared<Opened>();
    o->path = path;
    o->weft = img.text("weft");
    o->parameters = img.text("parameters");
    const int s = std::min(img.width(), img.height());
    img = img.copy((img.width() - s) / 2, (img.height() - s) / 2, s, s);
    if (s > kMaxEditSide) img = img.scaled(kMaxEditSide, kMaxEditSide, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    o->image = img.format() == QImage::Format_Grayscale8 ? img : img.convertToFormat(QImage::Format_RGB888);
    JobOutput out;
    out.summary = QObject::tr("%1 × %2 px").arg(o->image.width()).arg(o->image.height());
    out.payload = o;
    return out;
  };
  const quint64 id = runner_->submit(std::move(spec));
  mine_[id] = Pending::Open;
  setStatus(tr("Opening %1…").arg(QFileInfo(path).fileName()));
  return id;
}

void ImagePanel::chooseImage() {
  const QString file = QFileDialog::getOpenFileName(this, tr("Open picture to edit"), outputFolder_,
                                                    tr("Pictures (*.png *.jpg *.jpeg *.bmp *.webp *.ppm *.pgm);;"
                                                       "All files (*)"));
  if (!file.isEmpty()) openImage(file);
}

void ImagePanel::editEntry(quint64 key) {
  const GalleryEntry* e = gallery_->entry(key);
  if (!e) return;
  setEditSource(e->image, e->title);
}

void ImagePanel::setEditSource(const QImage& image, const QString& caption) {
  editSource_ = image;
  mask_canvas_->setImage(image, caption);
  views_->setCurrentIndex(1);
  updateEnabled();
}

void ImagePanel::cancelNow() {
  if (pending_) runner_->cancelNow(pending_);
  else if (showing_) runner_->cancelNow(showing_);
}

void ImagePanel::cancelAfterCurrent() {
  if (pending_) runner_->cancelAfterCurrent(pending_);
  else if (showing_) runner_->cancelAfterCurrent(showing_);
}

// --- job events -----------------------------------------------------------------------------------------------

void ImagePanel::onStarted(quint64 id) {
  const JobRecord r = runner_->record(id);
  if (!isSamplingKind(r.spec.kind)) return;  // a re-run from the Jobs dock shows here too
  showing_ = id;
  progress_->setValue(0);
  setStatus(tr("%1: loading the model…").arg(r.spec.title));
  views_->setCurrentIndex(0);
  updateEnabled();
}

void ImagePanel::onProgress(quint64 id, double fraction, const QString& stage) {
  if (id != showing_) return;
  progress_->setValue(int(fraction * 1000));
  setStatus(stage);
}

void ImagePanel::onPreview(quint64 id, int step, int steps, const QString& label, const QImage& image) {
  if (id != showing_) return;
  preview_canvas_->setImage(image, label);
  emit previewShown(step, steps, label);
}

void ImagePanel::onFinished(quint64 id) {
  const JobRecord r = runner_->record(id);
  if (!r.id) return;
  const auto mineIt = mine_.find(id);
  const Pending kind = mineIt == mine_.end() ? Pending::None : mineIt->second;
  if (mineIt != mine_.end()) mine_.erase(mineIt);
  if (isSamplingKind(r.spec.kind)) {
    if (id == pending_) pending_ = 0;
    if (id == showing_) showing_ = 0;
    addResults(id);
    if (r.status == JobStatus::Failed) {
      progress_->setValue(0);
      setStatus(tr("Failed."));
      showError(tr("%1 failed: %2").arg(r.spec.title, r.message));
    } else if (r.status == JobStatus::Cancelled) {
      progress_->setValue(0);
      setStatus(r.output.payload ? tr("Stopped after the current batch: %1.").arg(r.output.summary)
                                 : tr("Cancelled."));
    } else {
      progress_->setValue(1000);
      setStatus(tr("Done: %1.").arg(r.output.summary));
    }
    updateEnabled();
    return;
  }
  if (kind == Pending::Save) {
    if (r.status == JobStatus::Done) {
      setStatus(tr("Saved %1").arg(r.output.summary));
      emit info(tr("Picture saved: %1").arg(r.output.summary));
    } else {
      showError(tr("Saving failed: %1").arg(r.message));
    }
  } else if (kind == Pending::Open) {
    if (r.status != JobStatus::Done || !r.output.payload) {
      setStatus({});
      showError(tr("Cannot open the picture: %1").arg(r.message));
      return;
    }
    clearError();
    auto o = std::static_pointer_cast<const Opened>(r.output.payload);
    const QString name = QFileInfo(o->path).fileName();
    preview_canvas_->setImage(o->image, name);
    setEditSource(o->image, name);
    setStatus(tr("Opened %1 (%2 × %2 px): paint the region to repaint.").arg(name).arg(o->image.width()));
    if (!o->weft.isEmpty() || !o->parameters.isEmpty()) restoreSettings(o->weft, o->parameters, o->path);
  }
}

void ImagePanel::addResults(quint64 id) {
  const JobRecord r = runner_->record(id);
  if (!r.output.payload) return;
  auto res = std::static_pointer_cast<const GenerateResult>(r.output.payload);
  ImageModelInfo model;
  for (const auto& m : models_)
    if (m.path == q(res->request.model)) model = m;
  if (model.path.isEmpty()) model = ImageModels::read(q(res->request.model));  // small JSON: names for the titles
  const int n = int(res->images.size());
  quint64 first = 0;
  for (int i = n - 1; i >= 0; --i) {  // the first picture ends up first (newest first)
    GalleryEntry e;
    e.image = toQImage(res->images[size_t(i)]);
    e.job = r.spec.kind;
    e.requestJson = r.spec.requestJson;
    e.index = i;
    Json meta = res->to_json();
    meta["index"] = i;
    e.metadataJson = q(meta.dump());
    e.title = (r.spec.kind == kEditKind ? tr("edit · ") : QString()) + model.className(res->request.class_id) +
              tr(" · seed %1").arg(res->request.seed) + (n > 1 ? QStringLiteral(" #%1").arg(i + 1) : QString());
    e.details = q(image::parameters_text(meta, e.image.width(), e.image.height())).replace(", ", "\n");
    first = gallery_->add(std::move(e));
  }
  gallery_->setCurrent(first);
}

// --- restoring a dropped PNG ------------------------------------------------------------------------------------

void ImagePanel::restoreSettings(const QString& weftJson, const QString& parameters, const QString& file) {
  const QString name = QFileInfo(file).fileName();
  QStringList problems;
  std::optional<GenerateRequest> g;
  Json partial;  // from an A1111 "parameters" line when there is no Weft request
  try {
    if (!weftJson.isEmpty()) {
      const Json j = parse_json(weftJson.toStdString(), name.toStdString());
      const Json block = j.value("weft", Json());
      const std::string job = block.is_object() ? block.value("job", std::string()) : std::string();
      if (job == kGenerateKind) g = GenerateRequest::from_json(block.at("request"));
      else if (job == kEditKind) g = EditRequest::from_json(block.at("request")).generate;
      else if (!job.empty()) throw Error("made by another job (" + job + "), not an image generation", name.toStdString());
    }
    if (!g && !parameters.isEmpty()) partial = image::parse_parameters_text(parameters.toStdString());
  } catch (const Error& e) {
    showError(tr("The request stored in %1 cannot be restored: %2").arg(name, q(e.what())));
    return;
  }
  if (!g && (partial.is_null() || partial.empty())) {
    emit info(tr("%1 holds no image request: opened as a picture to edit").arg(name));
    return;
  }

  // Model: the same file, else a known model with the same name.
  const QString modelPath = g ? q(g->model) : QString();
  const QString modelName = g ? q(image::model_display_name(g->model)) : q(partial.value("model", std::string()));
  bool found = false;
  if (!modelPath.isEmpty()) {
    const QString canonical = QFileInfo(modelPath).canonicalFilePath();
    for (int i = 0; i < int(models_.size()) && !found; ++i)
      if (!canonical.isEmpty() && QFileInfo(models_[size_t(i)].path).canonicalFilePath() == canonical) {
        model_->setCurrentIndex(i);
        found = true;
      }
    if (!found && QFileInfo(modelPath).isFile()) found = openModel(modelPath);
  }
  if (!found && !modelName.isEmpty()) {
    for (int i = 0; i < int(models_.size()) && !found; ++i)
      if (models_[size_t(i)].name == modelName && models_[size_t(i)].ok()) {
        model_->setCurrentIndex(i);
        found = true;
      }
  }
  if (!found && !modelName.isEmpty())
    problems << tr("its model %1 is not available here (%2): open it with “Open model…”")
                    .arg(modelName, modelPath.isEmpty() ? tr("no path") : modelPath);

  const ImageModelInfo m = currentModel();
  auto setClass = [&](int id) {
    if (id >= m.numClasses) {
      problems << tr("class %1 is out of range: the model %2 has %3 classes (0 to %4)")
                      .arg(id).arg(m.name).arg(m.numClasses).arg(m.numClasses - 1);
      return;
    }
    const int index = class_->findData(id < 0 ? -1 : id);
    if (index >= 0) class_->setCurrentIndex(index);
  };
  if (g) {
    setClass(g->class_id);
    if (g->seed > std::uint64_t(INT_MAX))
      problems << tr("its seed %1 is larger than the seed box holds (%2)").arg(g->seed).arg(INT_MAX);
    else
      seed_->setValue(int(g->seed));
    cfg_->setValue(g->cfg);
    topK_->setValue(g->top_k);
    topP_->setValue(g->top_p);
    count_->setValue(std::min(g->count, count_->maximum()));
    const int pi = preview_->findData(QString(image::preview_mode_name(g->preview)));
    if (pi >= 0) preview_->setCurrentIndex(pi);
  } else {
    if (partial.contains("class")) {
      const QString cls = q(partial["class"].get<std::string>());
      bool isNumber = false;
      const int id = cls.toInt(&isNumber);
      const int index = class_->findText(cls);
      if (index >= 0) class_->setCurrentIndex(index);
      else if (isNumber) setClass(id);
      else problems << tr("the model has no class named “%1”").arg(cls);
    }
    if (partial.contains("seed")) {
      const auto seed = partial["seed"].get<std::uint64_t>();
      if (seed <= std::uint64_t(INT_MAX)) seed_->setValue(int(seed));
    }
    if (partial.contains("cfg")) cfg_->setValue(partial["cfg"].get<double>());
    if (partial.contains("top_k")) topK_->setValue(partial["top_k"].get<int>());
    if (partial.contains("top_p")) topP_->setValue(partial["top_p"].get<double>());
  }
  if (!problems.isEmpty()) showError(tr("Settings restored from %1, except: %2.").arg(name, problems.join("; ")));
  else emit info(tr("Settings restored from %1").arg(name));
  setStatus(tr("Settings restored from %1.").arg(name));
  emit restored(file);
}

// --- state ----------------------------------------------------------------------------------------------------

QString ImagePanel::errorText() const { return error_->isHidden() ? QString() : error_->text(); }
QString ImagePanel::statusText() const { return status_->text(); }

void ImagePanel::showError(const QString& text) {
  error_->setText(text);
  error_->show();
  emit problem(text);
}

void ImagePanel::clearError() {
  error_->clear();
  error_->hide();
}

void ImagePanel::setStatus(const QString& text) { status_->setText(text); }

void ImagePanel::updateEnabled() {
  const ImageModelInfo m = currentModel();
  const bool usable = m.ok() && !m.path.isEmpty();
  const bool running = pending_ != 0 || showing_ != 0;
  for (QWidget* w : std::initializer_list<QWidget*>{class_, seed_, dice_, cfg_, topK_, topP_, count_, preview_})
    w->setEnabled(usable);
  generateButton_->setEnabled(usable && pending_ == 0);
  generateButton_->setToolTip(usable ? tr("Sample on the job thread; the canvas shows every scale")
                                     : tr("Pick or open a model first"));
  cancelNow_->setEnabled(running);
  cancelAfter_->setEnabled(running);
  const bool hasPicture = !editSource_.isNull();
  const double coverage = mask_canvas_->maskCoverage();
  const int grid = m.ok() ? m.latentSize : 0;
  const int cells = grid > 0 ? mask_canvas_->repaintedCellCount() : (coverage > 0 ? 1 : 0);
  for (QWidget* w : std::initializer_list<QWidget*>{brush_, erase_, clearMask_, invertMask_})
    w->setEnabled(hasPicture);
  repaintButton_->setEnabled(usable && pending_ == 0 && hasPicture && cells > 0);
  if (!hasPicture) maskInfo_->setText(tr("No picture in the mask editor."));
  else if (coverage <= 0) maskInfo_->setText(tr("Nothing painted yet."));
  else if (grid > 0)
    maskInfo_->setText(tr("%1 of %2 tokens will be repainted (outlined): a token is repainted when at least half "
                          "of its cell is painted.").arg(cells).arg(grid * grid));
  else
    maskInfo_->setText(tr("%1 % of the picture is painted.").arg(qRound(coverage * 100)));
}

}  // namespace weft::studio
