#pragma once
// The seed control every studio panel shows: a spin box (the same seed and settings give the same result) and a
// dice button that draws a fresh one. One definition so every tab looks and behaves the same.
#include <QString>

class QHBoxLayout;
class QSpinBox;
class QToolButton;
class QWidget;

namespace weft::studio {

struct SeedRow {
  QSpinBox* seed = nullptr;
  QToolButton* dice = nullptr;
  QHBoxLayout* layout = nullptr;  // seed (stretching) + dice, ready for QFormLayout::addRow
};

// `owner` parents the widgets' signal connection; `tooltip` explains what the seed decides.
SeedRow makeSeedRow(QWidget* owner, int initial, const QString& tooltip);

}  // namespace weft::studio
