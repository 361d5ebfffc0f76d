#include "shared/SettingsDialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QThread>

#include "common/runtime.h"

namespace weft::studio {

SettingsDialog::SettingsDialog(const StudioSettings& current, QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Settings"));
  setMinimumWidth(520);
  auto* form = new QFormLayout;

  device_ = new QComboBox;
  device_->addItem(tr("Automatic (CUDA if available)"), "auto");
  for (const auto& d : weft::available_devices()) device_->addItem(QString::fromStdString(d), QString::fromStdString(d));
  int index = device_->findData(current.device);
  device_->setCurrentIndex(index >= 0 ? index : device_->findData("cpu"));
  form->addRow(tr("Compute device:"), device_);

  threads_ = new QSpinBox;
  threads_->setRange(1, std::max(1, QThread::idealThreadCount() * 2));
  threads_->setValue(current.threads);
  threads_->setToolTip(tr("Intra-op threads for LibTorch and OpenBLAS. On small shared machines 1 is often fastest."));
  form->addRow(tr("Threads:"), threads_);

  folder_ = new QLineEdit(current.outputFolder);
  auto* browse = new QPushButton(tr("Browse…"));
  connect(browse, &QPushButton::clicked, this, [this] {
    QString dir = QFileDialog::getExistingDirectory(this, tr("Output folder"), folder_->text());
    if (!dir.isEmpty()) folder_->setText(dir);
  });
  auto* folderRow = new QHBoxLayout;
  folderRow->addWidget(folder_, 1);
  folderRow->addWidget(browse);
  form->addRow(tr("Output folder:"), folderRow);

  previewRate_ = new QDoubleSpinBox;
  previewRate_->setRange(0, 120);
  previewRate_->setDecimals(0);
  previewRate_->setSuffix(tr(" per second"));
  previewRate_->setSpecialValueText(tr("every update"));
  previewRate_->setValue(current.previewRate);
  form->addRow(tr("Preview rate:"), previewRate_);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(buttons);
}

StudioSettings SettingsDialog::settings() const {
  StudioSettings s;
  s.device = device_->currentData().toString();
  s.threads = threads_->value();
  s.outputFolder = folder_->text().trimmed().isEmpty() ? StudioSettings::defaultOutputFolder() : folder_->text().trimmed();
  s.previewRate = previewRate_->value();
  return s;
}

}  // namespace weft::studio
