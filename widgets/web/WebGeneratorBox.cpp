#include "web/WebGeneratorBox.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QToolButton>
#include <algorithm>
#include <utility>
#include <cmath>

#include "common/error.h"
#include "shared/SeedRow.h"

namespace weft::studio {

namespace {
constexpr int kSteps = 1000;  // slider resolution of the continuous properties
constexpr const char* kModelKey = "web/generatorModel";
// Node count and entry count are whole numbers: their sliders move in steps of one.
bool whole(int property) { return property == 4 || property == 5; }
const char* kLabels[web::kNumProperties] = {
    QT_TRANSLATE_NOOP("WebGeneratorBox", "Edge length"), QT_TRANSLATE_NOOP("WebGeneratorBox", "Mean dx"),
    QT_TRANSLATE_NOOP("WebGeneratorBox", "Mean dy"),     QT_TRANSLATE_NOOP("WebGeneratorBox", "Mean dz"),
    QT_TRANSLATE_NOOP("WebGeneratorBox", "Nodes"),       QT_TRANSLATE_NOOP("WebGeneratorBox", "Entries"),
    QT_TRANSLATE_NOOP("WebGeneratorBox", "Entries/node")};
}  // namespace

WebGeneratorBox::WebGeneratorBox(QWidget* parent) : QGroupBox(tr("Generate from targets (Model 3)"), parent) {
  auto* form = new QFormLayout(this);
  modelLabel_ = new QLabel(tr("No model"));
  modelLabel_->setWordWrap(true);
  openModel_ = new QPushButton(tr("Open model…"));
  openModel_->setToolTip(tr("A model.json written by `weft web train`"));
  connect(openModel_, &QPushButton::clicked, this, &WebGeneratorBox::chooseModel);
  form->addRow(modelLabel_);
  form->addRow(openModel_);

  auto* grid = new QGridLayout;
  for (int k = 0; k < web::kNumProperties; ++k) {
    auto* s = new QSlider(Qt::Horizontal);
    s->setRange(0, kSteps);
    s->setValue(kSteps / 2);
    s->setToolTip(QString::fromStdString(web::property_names()[std::size_t(k)]));
    auto* v = new QLabel;
    v->setMinimumWidth(v->fontMetrics().horizontalAdvance("−00.000"));
    v->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    sliders_[std::size_t(k)] = s;
    values_[std::size_t(k)] = v;
    grid->addWidget(new QLabel(tr(kLabels[k])), k, 0);
    grid->addWidget(s, k, 1);
    grid->addWidget(v, k, 2);
    connect(s, &QSlider::valueChanged, this, [this, k] {
      updateLabel(k);
      linkCounts(k);
    });
  }
  form->addRow(grid);
  likeShown_ = new QPushButton(tr("Targets from shown web"));
  likeShown_->setToolTip(tr("Set every slider to the property the web in the view has"));
  connect(likeShown_, &QPushButton::clicked, this, &WebGeneratorBox::likeShownClicked);
  form->addRow(likeShown_);

  const SeedRow seedRow = makeSeedRow(this, 1, tr("Moves the first node: the same seed and targets give the same web"));
  seed_ = seedRow.seed;
  form->addRow(tr("Seed"), seedRow.layout);
  guidance_ = new QDoubleSpinBox;
  guidance_->setRange(0, 20);
  guidance_->setSingleStep(0.5);
  guidance_->setValue(3.0);
  guidance_->setToolTip(tr("Classifier-free guidance: 1 = plain conditional, larger follows the targets harder"));
  form->addRow(tr("Guidance"), guidance_);
  noise_ = new QDoubleSpinBox;
  noise_->setRange(0, 1);
  noise_->setDecimals(2);
  noise_->setSingleStep(0.05);
  noise_->setValue(0.1);
  noise_->setToolTip(tr("Variety: how far the seed moves the first node (0 = the one deterministic web)"));
  form->addRow(tr("Start noise"), noise_);
  tries_ = new QSpinBox;
  tries_->setRange(1, 64);
  tries_->setValue(1);
  tries_->setToolTip(tr("Best of N: decode N webs from different starts and keep the one whose measured properties "
                        "are closest to the targets (N times the time; needs start noise above 0)"));
  form->addRow(tr("Tries per web"), tries_);
  onepiece_ = new QCheckBox(tr("Prefer webs in one piece"));
  onepiece_->setChecked(true);
  onepiece_->setToolTip(tr("Among the tries, any web in one piece wins over webs in several (a print needs one part); "
                           "off: simply the closest to the targets"));
  form->addRow(QString(), onepiece_);
  decoding_ = new QComboBox;
  decoding_->addItem(tr("predicted mean (paper)"), QStringLiteral("mean"));
  decoding_->addItem(tr("sampled"), QStringLiteral("sample"));
  decoding_->setToolTip(tr("Mean: every row is the model's prediction (deterministic after the start). Sampled: each "
                           "row's position gets noise of the model's held-out error and each thread is drawn with "
                           "its predicted probability"));
  form->addRow(tr("Rows"), decoding_);
  generate_ = new QPushButton(tr("Generate web"));
  connect(generate_, &QPushButton::clicked, this, &WebGeneratorBox::generateClicked);
  form->addRow(generate_);

  QString model = QSettings().value(kModelKey).toString();
  if (model.isEmpty() || !QFileInfo(model).isFile()) model = shippedModel();
  if (!model.isEmpty()) setModel(model);
  generate_->setEnabled(hasModel());
  for (int k = 0; k < web::kNumProperties; ++k) updateLabel(k);
}

QString WebGeneratorBox::shippedModel() {
  QStringList roots{QDir(QCoreApplication::applicationDirPath()).filePath("../share/weft-studio/models/web")};
#ifdef WEFT_WEB_MODELS_DIR
  roots << QStringLiteral(WEFT_WEB_MODELS_DIR);
#endif
  for (const QString& root : roots) {
    QDir dir(root);
    for (const QString& sub : dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
      const QString json = dir.filePath(sub + "/model.json");
      if (QFileInfo(json).isFile()) return QFileInfo(json).absoluteFilePath();
    }
  }
  return {};
}

bool WebGeneratorBox::setModel(const QString& jsonPath, QString* error) {
  try {
    const web::Properties before = targets();
    const bool hadModel = hasModel();
    info_ = web::read_web_model_info(jsonPath.toStdString());
    modelPath_ = QFileInfo(jsonPath).absoluteFilePath();
    modelLabel_->setText(tr("%1\n%2").arg(QFileInfo(modelPath_).dir().dirName(), QString::fromStdString(info_.description)));
    modelLabel_->setToolTip(modelPath_);
    for (int k = 0; k < web::kNumProperties; ++k) {
      const double lo = info_.y_min[std::size_t(k)], hi = info_.y_max[std::size_t(k)];
      sliders_[std::size_t(k)]->setRange(0, whole(k) ? std::max(1, int(std::lround(hi - lo))) : kSteps);
    }
    if (hadModel) {
      setTargets(before);
    } else if (info_.example_targets) {
      setTargets(*info_.example_targets);
    } else {
      for (auto* s : sliders_) s->setValue((s->minimum() + s->maximum()) / 2);
    }
    for (int k = 0; k < web::kNumProperties; ++k) updateLabel(k);
    guidance_->setValue(info_.cond_scale);
    noise_->setValue(info_.start_noise);
    tries_->setValue(info_.candidates);
    generate_->setEnabled(true);
    QSettings().setValue(kModelKey, modelPath_);
    return true;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromUtf8(e.what());
    return false;
  }
}

void WebGeneratorBox::chooseModel() {
  const QString file = QFileDialog::getOpenFileName(this, tr("Open web generator"), QFileInfo(modelPath_).absolutePath(),
                                                    tr("Web generator (model.json);;JSON (*.json)"));
  if (file.isEmpty()) return;
  QString error;
  if (!setModel(file, &error)) emit problem(error);
}

double WebGeneratorBox::valueAt(int k, int position) const {
  const double lo = info_.y_min[std::size_t(k)], hi = info_.y_max[std::size_t(k)];
  if (whole(k)) return std::round(lo) + position;
  return lo + (hi - lo) * double(position) / kSteps;
}

int WebGeneratorBox::positionOf(int k, double value) const {
  const double lo = info_.y_min[std::size_t(k)], hi = info_.y_max[std::size_t(k)];
  const QSlider* s = sliders_[std::size_t(k)];
  const int p = whole(k) ? int(std::lround(value - std::round(lo)))
                         : (hi > lo ? int(std::lround((value - lo) / (hi - lo) * kSteps)) : kSteps / 2);
  return std::clamp(p, s->minimum(), s->maximum());
}

void WebGeneratorBox::updateLabel(int k) {
  if (!hasModel()) {
    values_[std::size_t(k)]->setText(QStringLiteral("–"));
    return;
  }
  const double v = valueAt(k, sliders_[std::size_t(k)]->value());
  values_[std::size_t(k)]->setText(whole(k) ? QString::number(qlonglong(std::llround(v))) : QString::number(v, 'f', 3));
}

web::Properties WebGeneratorBox::targets() const {
  web::Properties t{};
  for (int k = 0; k < web::kNumProperties; ++k) t[std::size_t(k)] = valueAt(k, sliders_[std::size_t(k)]->value());
  return t;
}

void WebGeneratorBox::setTargets(const web::Properties& t) {
  const bool was = std::exchange(linking_, true);
  for (int k = 0; k < web::kNumProperties; ++k) sliders_[std::size_t(k)]->setValue(positionOf(k, t[std::size_t(k)]));
  linking_ = was;
}

void WebGeneratorBox::linkCounts(int changed) {
  if (linking_ || !hasModel() || changed < 4) return;
  const bool was = std::exchange(linking_, true);
  const double nodes = valueAt(4, sliders_[4]->value());
  if (changed == 5) {  // entries moved: the mean per node follows
    if (nodes > 0) sliders_[6]->setValue(positionOf(6, valueAt(5, sliders_[5]->value()) / nodes));
  } else {             // nodes or entries per node moved: the entry count follows
    sliders_[5]->setValue(positionOf(5, nodes * valueAt(6, sliders_[6]->value())));
  }
  linking_ = was;
}

web::WebGenerateRequest WebGeneratorBox::request() const {
  web::WebGenerateRequest r;
  r.model = modelPath_.toStdString();
  r.targets = targets();
  r.seed = std::uint64_t(seed_->value());
  r.cond_scale = guidance_->value();
  r.start_noise = noise_->value();
  r.candidates = tries_->value();
  r.prefer_connected = onepiece_->isChecked();
  r.sampling = decoding_->currentData().toString().toStdString();
  r.threshold = info_.threshold;
  r.decode = info_.decode;
  r.length = info_.length;
  return r;
}

}  // namespace weft::studio
