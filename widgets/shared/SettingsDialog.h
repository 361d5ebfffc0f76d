#pragma once
#include <QDialog>

#include "shared/StudioSettings.h"

class QComboBox;
class QSpinBox;
class QDoubleSpinBox;
class QLineEdit;

namespace weft::studio {

class SettingsDialog : public QDialog {
  Q_OBJECT
 public:
  SettingsDialog(const StudioSettings& current, QWidget* parent = nullptr);
  StudioSettings settings() const;

 private:
  QComboBox* device_;
  QSpinBox* threads_;
  QLineEdit* folder_;
  QDoubleSpinBox* previewRate_;
};

}  // namespace weft::studio
