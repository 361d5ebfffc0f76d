#pragma once
// The Web tab's "Generate from targets" controls: a Model 3 model (the shipped one or an opened model.json), one
// slider per property spanning the range of the model's training data, seed with dice, guidance and start noise.
// Builds a web::WebGenerateRequest; the panel runs it as a job.
#include <QGroupBox>
#include <array>

#include "web/web_generate.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSlider;
class QCheckBox;
class QSpinBox;

namespace weft::studio {

class WebGeneratorBox : public QGroupBox {
  Q_OBJECT
 public:
  explicit WebGeneratorBox(QWidget* parent = nullptr);

  // Reads the model's description and data ranges (not its weights); false, with the reason in `error`, if the
  // file is not a usable web generator. Targets keep their values where the new ranges allow.
  bool setModel(const QString& jsonPath, QString* error = nullptr);
  bool hasModel() const { return !modelPath_.isEmpty(); }
  QString modelPath() const { return modelPath_; }
  static QString shippedModel();  // models/web/*/model.json, first found; empty when none is installed

  web::Properties targets() const;
  void setTargets(const web::Properties&);  // clamped into the sliders' ranges
  web::WebGenerateRequest request() const;

  QSlider* slider(int property) const { return sliders_[std::size_t(property)]; }
  QSpinBox* seedSpin() const { return seed_; }
  QComboBox* decodingBox() const { return decoding_; }
  QPushButton* generateButton() const { return generate_; }
  QPushButton* likeShownButton() const { return likeShown_; }

 signals:
  void generateClicked();
  void likeShownClicked();
  void problem(const QString& text);

 private:
  double valueAt(int property, int position) const;
  int positionOf(int property, double value) const;
  void updateLabel(int property);
  // Entries = nodes × entries per node by definition: a change to one of the three moves the one it determines.
  void linkCounts(int changed);
  bool linking_ = false;  // set while sliders are moved by code (setTargets, linkCounts)
  void chooseModel();

  QString modelPath_;
  web::WebModelInfo info_;
  QLabel* modelLabel_;
  QPushButton* openModel_;
  std::array<QSlider*, web::kNumProperties> sliders_{};
  std::array<QLabel*, web::kNumProperties> values_{};
  QSpinBox* seed_;
  QDoubleSpinBox* guidance_;
  QDoubleSpinBox* noise_;
  QSpinBox* tries_;
  QCheckBox* onepiece_;
  QComboBox* decoding_;
  QPushButton* generate_;
  QPushButton* likeShown_;
};

}  // namespace weft::studio
