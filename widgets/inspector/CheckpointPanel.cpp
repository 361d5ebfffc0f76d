#include "inspector/CheckpointPanel.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QStackedWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include "common/inspect_job.h"
#include "common/tensor_record.h"
#include "shared/JobRunner.h"

namespace weft::studio {

namespace {

// Sorts by number, not by text ("1000" after "99").
class NumberItem : public QTableWidgetItem {
 public:
  NumberItem(const QString& text, double value) : QTableWidgetItem(text), value_(value) {
    setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  }
  bool operator<(const QTableWidgetItem& other) const override {
    auto* o = dynamic_cast<const NumberItem*>(&other);
    return o ? value_ < o->value_ : QTableWidgetItem::operator<(other);
  }

 private:
  double value_;
};

}  // namespace

CheckpointPanel::CheckpointPanel(JobRunner* runner, QWidget* parent) : QWidget(parent), runner_(runner) {
  auto* openButton = new QPushButton(tr("Open…"));
  convert_ = new QPushButton(tr("Convert to safetensors…"));
  convert_->setEnabled(false);
  filter_ = new QLineEdit;
  filter_->setPlaceholderText(tr("Filter tensors by name"));
  filter_->setClearButtonEnabled(true);
  auto* bar = new QHBoxLayout;
  bar->addWidget(openButton);
  bar->addWidget(convert_);
  bar->addStretch();
  bar->addWidget(filter_);

  auto* hint = new QLabel(tr("<h3>Inspect a checkpoint</h3><p>Drop a <b>.pth</b>, <b>.pt</b> or <b>.safetensors</b> "
                             "file on the window, or use <i>Open…</i>.</p><p>PyTorch files are read with a "
                             "restricted reader: only tensors and plain values are accepted, nothing is executed.</p>"));
  hint->setAlignment(Qt::AlignCenter);
  hint->setWordWrap(true);

  table_ = new QTableWidget(0, 4);
  table_->setHorizontalHeaderLabels({tr("Name"), tr("Type"), tr("Shape"), tr("Bytes")});
  table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  table_->verticalHeader()->hide();
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 8);
  table_->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);  // file order until the user sorts
  table_->setSortingEnabled(true);
  summary_ = new QLabel;
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* content = new QWidget;
  auto* contentLayout = new QVBoxLayout(content);
  contentLayout->setContentsMargins(0, 0, 0, 0);
  contentLayout->addWidget(summary_);
  contentLayout->addWidget(table_, 1);

  stack_ = new QStackedWidget;
  stack_->addWidget(hint);
  stack_->addWidget(content);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(bar);
  layout->addWidget(stack_, 1);

  connect(openButton, &QPushButton::clicked, this, &CheckpointPanel::chooseFile);
  connect(convert_, &QPushButton::clicked, this, &CheckpointPanel::convertCurrent);
  connect(filter_, &QLineEdit::textChanged, this, &CheckpointPanel::applyFilter);
  connect(runner_, &JobRunner::jobFinished, this, &CheckpointPanel::onFinished);
}

void CheckpointPanel::chooseFile() {
  QString file = QFileDialog::getOpenFileName(this, tr("Open checkpoint"), QFileInfo(path_).absolutePath(),
                                              tr("Checkpoints (*.pth *.pt *.ckpt *.bin *.safetensors);;All files (*)"));
  if (!file.isEmpty()) open(file);
}

void CheckpointPanel::open(const QString& path) {
  InspectRequest req{path.toStdString()};
  JobSpec spec;
  spec.kind = "inspect";
  spec.title = tr("Inspect %1").arg(QFileInfo(path).fileName());
  spec.requestJson = QString::fromStdString(req.to_json().dump());
  spec.run = [req](ProgressSink& sink, const CancelToken& cancel) {
    auto result = std::make_shared<InspectResult>(run_inspect(req, sink, cancel));
    JobOutput out;
    out.summary = QObject::tr("%1 tensors, %2").arg(result->tensors.size()).arg(QLocale().formattedDataSize(qint64(result->total_bytes)));
    out.resultJson = QString::fromStdString(result->to_json().dump());
    out.payload = result;
    return out;
  };
  pending_ = runner_->submit(std::move(spec));
}

void CheckpointPanel::onFinished(quint64 id) {
  if (id != pending_) return;
  pending_ = 0;
  JobRecord r = runner_->record(id);
  if (r.status != JobStatus::Done) {
    if (r.status == JobStatus::Failed) emit problem(r.message);
    return;
  }
  auto result = std::static_pointer_cast<InspectResult>(r.output.payload);
  path_ = QString::fromStdString(result->request.path);
  table_->setSortingEnabled(false);
  table_->setRowCount(int(result->tensors.size()));
  int row = 0;
  for (const auto& t : result->tensors) {
    table_->setItem(row, 0, new QTableWidgetItem(QString::fromStdString(t.name)));
    table_->setItem(row, 1, new QTableWidgetItem(QString::fromStdString(t.dtype)));
    table_->setItem(row, 2, new QTableWidgetItem(QString::fromStdString(shape_string(t.shape))));
    table_->setItem(row, 3, new NumberItem(QLocale().toString(qulonglong(t.bytes)), double(t.bytes)));
    ++row;
  }
  table_->setSortingEnabled(true);
  table_->resizeColumnsToContents();
  table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  summary_->setText(tr("<b>%1</b> — %2<br>%3 · %4 of tensor data in a %5 file")
                        .arg(QFileInfo(path_).fileName().toHtmlEscaped(), QString::fromStdString(result->format),
                             QString::fromStdString(result->structure).toHtmlEscaped(),
                             QLocale().formattedDataSize(qint64(result->total_bytes)),
                             QLocale().formattedDataSize(qint64(result->file_bytes))));
  convert_->setEnabled(result->format != "safetensors");
  stack_->setCurrentIndex(1);
  applyFilter(filter_->text());
}

void CheckpointPanel::applyFilter(const QString& text) {
  for (int row = 0; row < table_->rowCount(); ++row)
    table_->setRowHidden(row, !text.isEmpty() && !table_->item(row, 0)->text().contains(text, Qt::CaseInsensitive));
}

void CheckpointPanel::convertCurrent() {
  if (path_.isEmpty()) return;
  QFileInfo in(path_);
  QString out = QFileDialog::getSaveFileName(this, tr("Save as safetensors"),
                                             in.absoluteDir().filePath(in.completeBaseName() + ".safetensors"),
                                             tr("safetensors (*.safetensors)"));
  if (out.isEmpty()) return;
  ConvertRequest req{path_.toStdString(), out.toStdString()};
  JobSpec spec;
  spec.kind = "convert";
  spec.title = tr("Convert %1").arg(in.fileName());
  spec.requestJson = QString::fromStdString(req.to_json().dump());
  spec.run = [req](ProgressSink& sink, const CancelToken& cancel) {
    ConvertResult res = run_convert(req, sink, cancel);
    JobOutput o;
    o.summary = QObject::tr("wrote %1 tensors to %2").arg(res.tensors).arg(QString::fromStdString(req.output));
    return o;
  };
  runner_->submit(std::move(spec));
}

}  // namespace weft::studio
