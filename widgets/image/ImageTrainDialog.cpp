#include "image/ImageTrainDialog.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDirIterator>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QScrollBar>
#include <QSpinBox>
#include <QSplitter>
#include <QThread>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <climits>

#include "common/cancel_token.h"
#include "common/error.h"
#include "common/json_io.h"
#include "common/progress_sink.h"
#include "image/ImagePanel.h"
#include "image/emoji_data.h"
#include "image/train_image.h"
#include "series/LossChart.h"
#include "shared/JobRunner.h"
#include "shared/SeedRow.h"

namespace weft::studio {

using image::ImageTrainRequest;
using image::ImageTrainResult;

namespace {

constexpr const char* kTrainKind = "image-train";
constexpr const char* kFashion = "fashion-mnist";
constexpr const char* kEmoji = "noto-emoji";

QString q(const std::string& s) { return QString::fromStdString(s); }

// The extensions core/image reads (image_data.cpp, looks_like_image).
bool isPictureName(const QString& name) {
  static const QStringList suffixes{"png", "jpg", "jpeg", "bmp", "webp", "tif", "tiff", "ppm", "pgm"};
  return suffixes.contains(QFileInfo(name).suffix().toLower());
}

QString fashionMnistDir() {
  const QString env = qEnvironmentVariable("WEFT_FASHION_MNIST_DIR");
  return env.isEmpty() ? QStringLiteral("/usr/share/datasets/fashion-mnist") : env;
}

bool emojiFontInstalled() { return QFileInfo::exists(QString::fromStdString(image::noto_emoji_font())); }

bool fashionMnistInstalled() {
  return QFileInfo::exists(QDir(fashionMnistDir()).filePath("train-images-idx3-ubyte.gz")) &&
         QFileInfo::exists(QDir(fashionMnistDir()).filePath("train-labels-idx1-ubyte.gz"));
}

// A model name that is a single, harmless folder name.
QString cleanName(const QString& s) {
  QString n = s.trimmed();
  n.replace(QRegularExpression("[^A-Za-z0-9_.-]+"), "-");
  while (n.startsWith('.') || n.startsWith('-')) n.remove(0, 1);
  return n.left(64);
}

enum Preset { kTiny = 0, kQuick = 1, kCustom = 2 };

}  // namespace

// --- the folder scan (a directory listing, on a helper thread) ----------------------------------------------------

int PictureFolderScan::total() const {
  int n = 0;
  for (int c : pictures) n += c;
  return n;
}

QString PictureFolderScan::summary() const {
  if (!error.isEmpty()) return error;
  QLocale l;
  QStringList parts;
  for (int i = 0; i < classes.size() && i < 8; ++i) parts << QString("%1 %2").arg(classes[i], l.toString(pictures[i]));
  if (classes.size() > 8) parts << QObject::tr("…");
  QString s = (classes.size() == 1 ? QObject::tr("1 class, ") : QObject::tr("%1 classes, ").arg(classes.size())) +
              QObject::tr("%1%2 picture files").arg(l.toString(total()), truncated ? "+" : "");
  if (!parts.isEmpty()) s += " (" + parts.join(", ") + ")";
  if (otherFiles > 0)
    s += otherFiles == 1 ? QObject::tr("; 1 other file, not used")
                         : QObject::tr("; %1 other files, not used").arg(otherFiles);
  return s;
}

PictureFolderScan scanPictureFolder(const QString& folder, int cap) {
  PictureFolderScan s;
  s.folder = folder;
  const QDir root(folder);
  if (folder.isEmpty() || !root.exists()) {
    s.error = QObject::tr("The folder %1 does not exist.").arg(QDir::toNativeSeparators(folder));
    return s;
  }
  int seen = 0;
  for (const QFileInfo& sub : root.entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
    int pictures = 0;
    QDirIterator it(sub.filePath(), QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext() && seen < cap) {
      ++seen;
      if (isPictureName(it.next())) ++pictures;
      else ++s.otherFiles;
    }
    if (it.hasNext()) s.truncated = true;
    if (pictures > 0) s.classes << sub.fileName(), s.pictures << pictures;
  }
  int loose = 0;
  for (const QFileInfo& f : root.entryInfoList(QDir::Files)) {
    if (isPictureName(f.fileName())) ++loose;
    else ++s.otherFiles;
  }
  if (loose > 0) s.classes << root.dirName(), s.pictures << loose;
  if (s.total() == 0)
    s.error = QObject::tr("No pictures in %1: put one sub-folder per class with PNG, JPEG, BMP, WebP, TIFF or PPM "
                          "files in it.").arg(QDir::toNativeSeparators(folder));
  return s;
}

// --- the dialog ---------------------------------------------------------------------------------------------------

ImageTrainDialog::ImageTrainDialog(JobRunner* runner, QWidget* parent) : QDialog(parent), runner_(runner) {
  setWindowTitle(tr("Train an image model"));
  setModal(false);
  buildUi();
  connect(runner_, &JobRunner::jobStarted, this, &ImageTrainDialog::onStarted);
  connect(runner_, &JobRunner::jobProgress, this, &ImageTrainDialog::onProgress);
  connect(runner_, &JobRunner::jobMetric, this, &ImageTrainDialog::onMetric);
  connect(runner_, &JobRunner::jobLog, this, &ImageTrainDialog::onLog);
  connect(runner_, &JobRunner::jobFinished, this, &ImageTrainDialog::onFinished);
  applyPreset();
  onSourceChanged();
}

ImageTrainDialog::~ImageTrainDialog() = default;

void ImageTrainDialog::buildUi() {
  error_ = new QLabel;
  error_->setWordWrap(true);
  error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  error_->setStyleSheet("QLabel { background: #fde7e9; color: #8a1020; border: 1px solid #f1aeb5; padding: 6px; }");
  error_->hide();

  // Data.
  auto* dataBox = new QGroupBox(tr("Pictures"));
  auto* dataLayout = new QVBoxLayout(dataBox);
  folderRadio_ = new QRadioButton(tr("Picture folder (one sub-folder per class)"));
  fashionRadio_ = new QRadioButton(tr("Fashion-MNIST (bundled dataset)"));
  fashionRadio_->setToolTip(tr("60,000 grey 28 × 28 garments in 10 classes (Debian package dataset-fashion-mnist, "
                               "MIT licence), padded to the model's size"));
  emojiRadio_ = new QRadioButton(tr("Noto colour emoji (bundled font)"));
  emojiRadio_->setToolTip(tr("Emoji in 10 themes (faces, hearts, animals, fruit, vehicles, weather, plants, balls, food, "
                             "buildings) at random sizes and places on white, rendered from the Debian package "
                             "fonts-noto-color-emoji (SIL Open Font License)"));
  auto* group = new QButtonGroup(this);
  group->addButton(folderRadio_);
  group->addButton(fashionRadio_);
  group->addButton(emojiRadio_);
  folderLabel_ = new QLabel(tr("No folder chosen"));
  folderLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  folderLabel_->setWordWrap(true);
  chooseFolder_ = new QPushButton(tr("Choose folder…"));
  auto* folderRow = new QHBoxLayout;
  folderRow->addSpacing(22);
  folderRow->addWidget(folderLabel_, 1);
  folderRow->addWidget(chooseFolder_);
  scan_label_ = new QLabel;
  scan_label_->setWordWrap(true);
  scan_label_->setStyleSheet("QLabel { color: #5f6368; }");
  scan_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  dataLayout->addWidget(folderRadio_);
  dataLayout->addLayout(folderRow);
  dataLayout->addWidget(fashionRadio_);
  dataLayout->addWidget(emojiRadio_);
  dataLayout->addWidget(scan_label_);

  // Model and settings.
  auto* setBox = new QGroupBox(tr("Model"));
  auto* form = new QFormLayout(setBox);
  name_ = new QLineEdit;
  name_->setPlaceholderText(tr("a name for the model"));
  name_->setMaxLength(64);
  form->addRow(tr("Name"), name_);
  target_ = new QLabel;
  target_->setWordWrap(true);
  target_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  target_->setStyleSheet("QLabel { color: #5f6368; }");
  form->addRow(QString(), target_);
  preset_ = new QComboBox;
  preset_->addItem(tr("Tiny (32 px, 6 scales) — default"), int(kTiny));
  preset_->addItem(tr("Quick test (20 steps per stage)"), int(kQuick));
  form->addRow(tr("Preset"), preset_);
  presetInfo_ = new QLabel;
  presetInfo_->setWordWrap(true);
  presetInfo_->setStyleSheet("QLabel { color: #5f6368; }");
  form->addRow(QString(), presetInfo_);
  tokEpochs_ = new QSpinBox;
  tokEpochs_->setRange(1, 10000);
  tokEpochs_->setToolTip(tr("Passes over the training pictures for the tokenizer (encoder, codebook, decoder)"));
  varEpochs_ = new QSpinBox;
  varEpochs_->setRange(1, 10000);
  varEpochs_->setToolTip(tr("Passes over the training pictures for the next-scale transformer"));
  auto* epochsRow = new QHBoxLayout;
  epochsRow->addWidget(new QLabel(tr("tokenizer")));
  epochsRow->addWidget(tokEpochs_, 1);
  epochsRow->addSpacing(8);
  epochsRow->addWidget(new QLabel(tr("transformer")));
  epochsRow->addWidget(varEpochs_, 1);
  form->addRow(tr("Epochs"), epochsRow);
  batch_ = new QSpinBox;
  batch_->setRange(1, 4096);
  batch_->setToolTip(tr("Pictures per optimisation step"));
  form->addRow(tr("Batch"), batch_);
  const SeedRow seedRow =
      makeSeedRow(this, 0, tr("Initial weights, shuffles and the held-out split: the same seed trains the same model"));
  seed_ = seedRow.seed;
  dice_ = seedRow.dice;
  form->addRow(tr("Seed"), seedRow.layout);
  resume_ = new QCheckBox(tr("Resume from the folder's checkpoint"));
  resume_->setToolTip(tr("Continue a cancelled run exactly where it stopped (same settings)"));
  form->addRow(QString(), resume_);

  // Run controls.
  train_ = new QPushButton(tr("Train"));
  train_->setDefault(true);
  cancelNow_ = new QPushButton(tr("Cancel now"));
  cancelNow_->setToolTip(tr("Stop at the next step; a checkpoint is kept and Train becomes Resume"));
  cancelAfter_ = new QPushButton(tr("Cancel after epoch"));
  cancelAfter_->setToolTip(tr("Finish the current epoch (validated and checkpointed), then stop"));
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(train_, 1);
  buttons->addWidget(cancelNow_);
  buttons->addWidget(cancelAfter_);
  progress_ = new QProgressBar;
  progress_->setRange(0, 1000);
  progress_->setTextVisible(false);
  progress_->setMaximumHeight(10);
  stage_ = new QLabel(tr("Not started."));
  stage_->setWordWrap(true);
  result_label_ = new QLabel;
  result_label_->setWordWrap(true);
  result_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  result_label_->setStyleSheet(
      "QLabel { background: #e6f4ea; color: #0d5323; border: 1px solid #a8d5b5; padding: 6px; }");
  result_label_->hide();

  auto* left = new QWidget;
  auto* leftLayout = new QVBoxLayout(left);
  leftLayout->setContentsMargins(0, 0, 0, 0);
  leftLayout->addWidget(dataBox);
  leftLayout->addWidget(setBox);
  leftLayout->addLayout(buttons);
  leftLayout->addWidget(progress_);
  leftLayout->addWidget(stage_);
  leftLayout->addWidget(result_label_);
  leftLayout->addStretch(1);
  left->setMinimumWidth(380);

  // Live curves and the log.
  tokChart_ = new LossChart({{"tokenizer loss", tr("training loss"), QColor(31, 119, 180), false},
                             {"tokenizer val", tr("held-out MSE"), QColor(255, 127, 14), true}},
                            tr("Tokenizer"));
  varChart_ = new LossChart({{"transformer loss", tr("training loss"), QColor(44, 160, 44), false},
                             {"transformer val", tr("held-out cross-entropy"), QColor(214, 39, 40), true}},
                            tr("Transformer"));
  for (LossChart* c : {tokChart_, varChart_}) c->setMinimumSize(260, 220);
  auto* charts = new QWidget;
  auto* chartsLayout = new QHBoxLayout(charts);
  chartsLayout->setContentsMargins(0, 0, 0, 0);
  chartsLayout->addWidget(tokChart_, 1);
  chartsLayout->addWidget(varChart_, 1);
  log_ = new QPlainTextEdit;
  log_->setReadOnly(true);
  log_->setMaximumBlockCount(5000);
  log_->setLineWrapMode(QPlainTextEdit::NoWrap);
  log_->setPlaceholderText(tr("The training's log: data, skipped files, validation after each epoch."));
  auto* right = new QSplitter(Qt::Vertical);
  right->addWidget(charts);
  right->addWidget(log_);
  right->setStretchFactor(0, 3);
  right->setStretchFactor(1, 1);
  right->setChildrenCollapsible(false);

  auto* splitter = new QSplitter(Qt::Horizontal);
  splitter->addWidget(left);
  splitter->addWidget(right);
  splitter->setStretchFactor(0, 0);
  splitter->setStretchFactor(1, 1);
  splitter->setChildrenCollapsible(false);

  auto* close = new QDialogButtonBox(QDialogButtonBox::Close);
  close->button(QDialogButtonBox::Close)->setToolTip(tr("Hide the dialog; a running training continues"));
  connect(close, &QDialogButtonBox::rejected, this, &QDialog::hide);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(error_);
  layout->addWidget(splitter, 1);
  layout->addWidget(close);
  resize(1180, 720);

  connect(folderRadio_, &QRadioButton::toggled, this, [this](bool on) {
    if (on) onSourceChanged();
  });
  connect(fashionRadio_, &QRadioButton::toggled, this, [this](bool on) {
    if (on) onSourceChanged();
  });
  connect(emojiRadio_, &QRadioButton::toggled, this, [this](bool on) {
    if (on) onSourceChanged();
  });
  connect(chooseFolder_, &QPushButton::clicked, this, &ImageTrainDialog::chooseFolder);
  connect(name_, &QLineEdit::textEdited, this, [this] { nameEdited_ = true; });
  connect(name_, &QLineEdit::textChanged, this, &ImageTrainDialog::updateTarget);
  connect(preset_, qOverload<int>(&QComboBox::currentIndexChanged), this, &ImageTrainDialog::applyPreset);
  connect(resume_, &QCheckBox::toggled, this, &ImageTrainDialog::updateEnabled);
  connect(train_, &QPushButton::clicked, this, [this] { train(); });
  connect(cancelNow_, &QPushButton::clicked, this, &ImageTrainDialog::cancelNow);
  connect(cancelAfter_, &QPushButton::clicked, this, &ImageTrainDialog::cancelAfterEpoch);
  fashionRadio_->setChecked(true);
}

// --- data -----------------------------------------------------------------------------------------------------

void ImageTrainDialog::setOutputRoot(const QString& folder) {
  outputRoot_ = folder;
  updateTarget();
}

void ImageTrainDialog::setDataFolder(const QString& folder) {
  folder_ = QDir::cleanPath(QFileInfo(folder).absoluteFilePath());
  folderLabel_->setText(QDir::toNativeSeparators(folder_));
  folderLabel_->setToolTip(folderLabel_->text());
  if (!nameEdited_ || name_->text().isEmpty()) name_->setText(cleanName(QFileInfo(folder_).fileName()));
  if (folderRadio_->isChecked()) onSourceChanged();
  else folderRadio_->setChecked(true);  // → onSourceChanged
}

void ImageTrainDialog::useFashionMnist() {
  fashionRadio_->setChecked(true);
  onSourceChanged();
}

void ImageTrainDialog::useEmoji() {
  emojiRadio_->setChecked(true);
  onSourceChanged();
}

QString ImageTrainDialog::dataSource() const {
  if (fashionRadio_->isChecked()) return kFashion;
  if (emojiRadio_->isChecked()) return kEmoji;
  return folder_;
}

void ImageTrainDialog::chooseFolder() {
  const QString start = folder_.isEmpty() ? QDir::homePath() : folder_;
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Picture folder (one sub-folder per class)"), start);
  if (!dir.isEmpty()) setDataFolder(dir);
}

void ImageTrainDialog::onSourceChanged() {
  clearError();
  if (fashionRadio_->isChecked()) {
    stopScan();
    scan_label_->setText(fashionMnistInstalled()
                             ? tr("60,000 training pictures in 10 classes; the 10,000 test pictures are held out.")
                             : tr("Fashion-MNIST is not installed here (Debian package dataset-fashion-mnist, "
                                  "looked up in %1).").arg(QDir::toNativeSeparators(fashionMnistDir())));
    if (!nameEdited_ || name_->text().isEmpty()) name_->setText("fashion");
  } else if (emojiRadio_->isChecked()) {
    stopScan();
    scan_label_->setText(emojiFontInstalled()
                             ? tr("6,000 training pictures in 10 themes; 1,000 other arrangements are held out.")
                             : tr("The emoji font is not installed here (Debian package fonts-noto-color-emoji, "
                                  "looked up at %1).").arg(QString::fromStdString(image::noto_emoji_font())));
    if (!nameEdited_ || name_->text().isEmpty()) name_->setText("emoji");
  } else if (folder_.isEmpty()) {
    stopScan();
    scan_label_->setText(tr("Choose a folder, or drop one on the studio window."));
  } else {
    if (!nameEdited_ || name_->text().isEmpty()) name_->setText(cleanName(QFileInfo(folder_).fileName()));
    startScan();
  }
  updateTarget();
}

void ImageTrainDialog::stopScan() {
  ++scanGeneration_;  // a scan still running is of no interest any more
  scanning_ = false;
  scan_ = {};
}

void ImageTrainDialog::startScan() {
  const int generation = ++scanGeneration_;
  scanning_ = true;
  scan_ = {};
  scan_label_->setText(tr("Looking into the folder…"));
  auto out = std::make_shared<PictureFolderScan>();
  const QString folder = folder_;
  // A directory listing can take a while on a big or remote folder: a helper thread, never the GUI's.
  QThread* thread = QThread::create([out, folder] { *out = scanPictureFolder(folder); });
  connect(thread, &QThread::finished, this, [this, out, generation] {
    if (generation != scanGeneration_) return;  // the user moved on
    scanning_ = false;
    scan_ = *out;
    if (!scan_.error.isEmpty()) {
      scan_label_->setText(QString());
      showError(scan_.error);
    } else {
      scan_label_->setText(scan_.summary());
    }
    updateEnabled();
    emit scanned();
  });
  connect(thread, &QThread::finished, thread, &QObject::deleteLater);
  thread->start();
  updateEnabled();
}

// --- settings -------------------------------------------------------------------------------------------------

void ImageTrainDialog::applyPreset() {
  const int p = preset_->currentData().toInt();
  if (p == kTiny) {
    tokEpochs_->setValue(2);
    varEpochs_->setValue(4);
    batch_->setValue(64);
    presetInfo_->setText(tr("32 × 32 px, scales 1–8 (130 tokens), 512 codes, transformer depth 4. "
                            "Measured on one core of a 2-core CPU: 2–3 s per batch of 64 in either stage, so a "
                            "Fashion-MNIST epoch (60,000 pictures) takes about 40 minutes; a few thousand pictures, minutes."));
  } else if (p == kQuick) {
    tokEpochs_->setValue(1);
    varEpochs_->setValue(1);
    batch_->setValue(32);
    presetInfo_->setText(tr("The tiny model, 20 steps per stage on at most 1,024 pictures: a minute, to check the "
                            "data and the settings (the pictures it makes are noise)."));
  } else {
    presetInfo_->setText(tr("Custom request fields: %1").arg(override_.toHtmlEscaped()));
  }
}

void ImageTrainDialog::setRequestOverride(const QString& json) {
  override_ = json.trimmed();
  const int custom = preset_->findData(int(kCustom));
  if (override_.isEmpty()) {
    if (custom >= 0) preset_->removeItem(custom);
    return;
  }
  if (custom < 0) preset_->addItem(tr("Custom"), int(kCustom));
  preset_->setCurrentIndex(preset_->findData(int(kCustom)));
  applyPreset();
}

QString ImageTrainDialog::modelFolder() const {
  const QString name = cleanName(name_->text());
  if (name.isEmpty() || name != name_->text().trimmed()) return {};
  const QString root = outputRoot_.isEmpty() ? QDir::temp().filePath("weft-studio") : outputRoot_;
  return QDir::cleanPath(QDir(root).filePath("image/models/" + name));
}

void ImageTrainDialog::updateTarget() {
  const QString folder = modelFolder();
  const bool wasChecked = resume_->isChecked();
  hasCheckpoint_ = false;
  if (folder.isEmpty()) {
    target_->setText(name_->text().trimmed().isEmpty()
                         ? tr("Name the model.")
                         : tr("Use letters, digits, “-”, “_” and “.” only (for example “%1”).")
                               .arg(cleanName(name_->text())));
  } else {
    const QDir d(folder);
    hasCheckpoint_ = d.exists("tokenizer.ckpt.safetensors") || d.exists("transformer.ckpt.safetensors");
    QString text = tr("Saved in %1").arg(QDir::toNativeSeparators(folder));
    if (hasCheckpoint_ && !d.exists("model.json"))
      text += tr(" — it holds a cancelled run: tick Resume to continue it, or train again from the start.");
    else if (d.exists("model.json"))
      text += tr(" — a model of this name exists and is replaced by a new training.");
    target_->setText(text);
  }
  target_->setToolTip(folder);
  if (!hasCheckpoint_ && wasChecked) resume_->setChecked(false);
  updateEnabled();
}

void ImageTrainDialog::updateEnabled() {
  const bool running = pending_ != 0;
  for (QWidget* w : std::initializer_list<QWidget*>{folderRadio_, fashionRadio_, emojiRadio_, chooseFolder_, name_, preset_,
                                                     tokEpochs_, varEpochs_, batch_, seed_, dice_})
    w->setEnabled(!running);
  resume_->setEnabled(!running && hasCheckpoint_);
  const bool resume = resume_->isEnabled() && resume_->isChecked();
  train_->setText(resume ? tr("Resume") : tr("Train"));
  const bool dataOk = fashionRadio_->isChecked() || emojiRadio_->isChecked() ||
                      (!folder_.isEmpty() && (scanning_ || scan_.error.isEmpty()));
  train_->setEnabled(!running && dataOk && !modelFolder().isEmpty());
  cancelNow_->setEnabled(running);
  cancelAfter_->setEnabled(running);
}

QString ImageTrainDialog::requestJson(QString* error) const {
  if (fashionRadio_->isChecked() && !fashionMnistInstalled()) {
    *error = tr("Fashion-MNIST is not installed here: install the Debian package dataset-fashion-mnist, or choose a "
                "picture folder.");
    return {};
  }
  if (emojiRadio_->isChecked() && !emojiFontInstalled()) {
    *error = tr("The emoji font is not installed here: install the Debian package fonts-noto-color-emoji, or choose "
                "another source.");
    return {};
  }
  if (folderRadio_->isChecked()) {
    if (folder_.isEmpty()) {
      *error = tr("Choose a picture folder (one sub-folder per class), or Fashion-MNIST.");
      return {};
    }
    if (!scanning_ && !scan_.error.isEmpty()) {
      *error = scan_.error;
      return {};
    }
  }
  const QString folder = modelFolder();
  if (folder.isEmpty()) {
    *error = tr("The model needs a name made of letters, digits, “-”, “_” and “.”.");
    return {};
  }
  ImageTrainRequest r;
  r.data = dataSource().toStdString();
  r.out = folder.toStdString();
  r.tokenizer_epochs = tokEpochs_->value();
  r.transformer_epochs = varEpochs_->value();
  r.batch = batch_->value();
  r.seed = std::uint64_t(seed_->value());
  r.resume = resume_->isEnabled() && resume_->isChecked();
  r.threads = runner_->threads();
  if (preset_->currentData().toInt() == kQuick) {
    r.max_steps = 20;
    r.limit = 1024;
    r.warmup_steps = 5;
  }
  try {
    Json j = r.to_json();
    if (!override_.isEmpty()) {
      const Json extra = parse_json(override_.toStdString(), "custom request fields");
      if (!extra.is_object()) throw Error("must be a JSON object", "custom request fields");
      for (const auto& [key, value] : extra.items()) j[key] = value;
    }
    return q(ImageTrainRequest::from_json(j).to_json().dump());  // from_json validates
  } catch (const std::exception& e) {
    *error = tr("These settings cannot train: %1").arg(QString::fromUtf8(e.what()));
    return {};
  }
}

// --- the job --------------------------------------------------------------------------------------------------

quint64 ImageTrainDialog::train() {
  if (pending_) {
    showError(tr("A training is running: wait for it or cancel it."));
    return 0;
  }
  QString error;
  const QString json = requestJson(&error);
  if (json.isEmpty()) {
    showError(error);
    return 0;
  }
  clearError();
  const bool resume = resume_->isEnabled() && resume_->isChecked();
  JobSpec spec;
  spec.kind = kTrainKind;
  spec.title = tr("%1 image model %2").arg(resume ? tr("Resume") : tr("Train"), name_->text().trimmed());
  spec.requestJson = json;
  spec.run = [json](ProgressSink& sink, const CancelToken& cancel) {
    const auto req = ImageTrainRequest::from_json(parse_json(json.toStdString(), "image train request"));
    auto res = std::make_shared<ImageTrainResult>(image::train_image_model(req, sink, cancel));
    JobOutput out;
    out.summary = res->transformer_val_loss >= 0
                      ? QObject::tr("held-out cross-entropy %1, accuracy %2 %")
                            .arg(res->transformer_val_loss, 0, 'f', 3)
                            .arg(res->transformer_val_accuracy * 100, 0, 'f', 1)
                      : QObject::tr("tokenizer held-out MSE %1").arg(res->tokenizer_val_mse, 0, 'g', 3);
    out.resultJson = q(res->to_json().dump());
    out.payload = res;
    return out;
  };
  tokChart_->clear();
  varChart_->clear();
  log_->clear();
  result_label_->hide();
  result_.reset();
  progress_->setValue(0);
  stage_->setText(runner_->idle() ? tr("Starting…") : tr("Waiting for the running job…"));
  pending_ = last_ = runner_->submit(std::move(spec));
  updateEnabled();
  return pending_;
}

void ImageTrainDialog::cancelNow() {
  if (!pending_) return;
  runner_->cancelNow(pending_);
  stage_->setText(tr("Stopping: saving a checkpoint…"));
}

void ImageTrainDialog::cancelAfterEpoch() {
  if (!pending_) return;
  runner_->cancelAfterCurrent(pending_);
  stage_->setText(tr("Stopping after this epoch…"));
  cancelAfter_->setEnabled(false);
}

void ImageTrainDialog::onStarted(quint64 id) {
  if (pending_ == 0 && runner_->record(id).spec.kind == kTrainKind) {
    // A re-run from the Jobs dock: the dialog follows it as if it had started it.
    pending_ = last_ = id;
    tokChart_->clear();
    varChart_->clear();
    log_->clear();
    result_label_->hide();
    updateEnabled();
  }
  if (id != pending_) return;
  stage_->setText(tr("Loading pictures…"));
}

void ImageTrainDialog::onProgress(quint64 id, double fraction, const QString& stage) {
  if (id != pending_) return;
  progress_->setValue(int(std::clamp(fraction, 0.0, 1.0) * 1000));
  stage_->setText(stage);
}

void ImageTrainDialog::onMetric(quint64 id, const QString& series, double x, double y) {
  if (id != pending_) return;
  tokChart_->addPoint(series, x, y);
  varChart_->addPoint(series, x, y);
}

void ImageTrainDialog::onLog(quint64 id, const QString& line) {
  if (id == pending_) appendLog(line);
}

void ImageTrainDialog::appendLog(const QString& line) {
  QScrollBar* bar = log_->verticalScrollBar();
  const bool atEnd = bar->value() == bar->maximum();
  log_->appendPlainText(line);
  if (atEnd) bar->setValue(bar->maximum());
}

void ImageTrainDialog::onFinished(quint64 id) {
  if (id != pending_) return;
  pending_ = 0;
  const JobRecord r = runner_->record(id);
  // "Cancel after epoch" asked during the last epoch: the training ended anyway and the model is complete.
  if (r.status == JobStatus::Done || (r.status == JobStatus::Cancelled && r.output.payload)) {
    result_ = std::static_pointer_cast<const ImageTrainResult>(r.output.payload);
    progress_->setValue(1000);
    stage_->setText(tr("Done in %1 s.").arg(r.seconds, 0, 'f', 1));
    if (result_) {
      QStringList lines;
      lines << tr("<b>Model %1 trained</b> (%2).").arg(name_->text().trimmed().toHtmlEscaped(),
                                                       q(result_->data_description).toHtmlEscaped());
      if (result_->tokenizer_val_mse >= 0)
        lines << tr("Tokenizer, held-out pictures: reconstruction MSE %1, %2 % of the codebook used.")
                     .arg(result_->tokenizer_val_mse, 0, 'f', 4)
                     .arg(result_->code_usage * 100, 0, 'f', 1);
      if (result_->transformer_val_loss >= 0)
        lines << tr("Transformer, held-out pictures: cross-entropy %1 nats per token, next-token accuracy %2 %.")
                     .arg(result_->transformer_val_loss, 0, 'f', 3)
                     .arg(result_->transformer_val_accuracy * 100, 0, 'f', 1);
      if (!result_->skipped.empty())
        lines << (result_->skipped.size() == 1
                      ? tr("1 file skipped (listed in the log).")
                      : tr("%1 files skipped (listed in the log).").arg(result_->skipped.size()));
      if (!result_->model_json.empty()) lines << tr("It is selected in the Image tab's model picker.");
      result_label_->setText(lines.join("<br>"));
      result_label_->show();
    }
    resume_->setChecked(false);
    updateTarget();
    if (result_ && !result_->model_json.empty()) emit modelTrained(q(result_->model_json));
    return;
  }
  progress_->setValue(0);
  updateTarget();  // a cancelled run left a checkpoint: Resume is offered
  if (r.status == JobStatus::Cancelled) {
    if (hasCheckpoint_) {
      resume_->setChecked(true);
      stage_->setText(tr("Cancelled. The checkpoint is kept: press Resume to continue where it stopped."));
    } else {
      stage_->setText(tr("Cancelled before the first checkpoint."));
    }
  } else {
    stage_->setText(tr("Failed."));
    showError(tr("Training failed: %1").arg(r.message));
  }
  updateEnabled();
}

// --- state ----------------------------------------------------------------------------------------------------

QString ImageTrainDialog::scanText() const { return scan_label_->text(); }
QString ImageTrainDialog::errorText() const { return error_->isHidden() ? QString() : error_->text(); }
QString ImageTrainDialog::resultText() const { return result_label_->isHidden() ? QString() : result_label_->text(); }
QString ImageTrainDialog::stageText() const { return stage_->text(); }
QString ImageTrainDialog::logText() const { return log_->toPlainText(); }

void ImageTrainDialog::showError(const QString& text) {
  error_->setText(text);
  error_->show();
}

void ImageTrainDialog::clearError() {
  error_->clear();
  error_->hide();
}

}  // namespace weft::studio
