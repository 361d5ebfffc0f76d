#include "shared/AboutDialog.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "common/blas_probe.h"
#include "common/rng.h"
#include "common/runtime.h"
#include "shared/JobRunner.h"

namespace weft::studio {

AboutDialog::AboutDialog(JobRunner* runner, QWidget* parent) : QDialog(parent), runner_(runner) {
  setWindowTitle(tr("About Weft Studio"));
  auto* title = new QLabel(tr("<h2>Weft Studio</h2><p>Autoregressive transformers that weave images and videos "
                              "(next-scale prediction), time-series forecasts and 3D spider webs.</p>"));
  title->setWordWrap(true);
  auto* report = new QPlainTextEdit(QString::fromStdString(weft::runtime_summary()) +
                                    QString("Qt          %1 (runtime %2)\n").arg(QT_VERSION_STR, qVersion()));
  report->setReadOnly(true);
  report->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  report->setLineWrapMode(QPlainTextEdit::NoWrap);
  report->setMinimumSize(720, 200);
  measured_ = new QLabel(tr("Matmul rate: not measured yet."));
  measure_ = new QPushButton(tr("Measure matmul speed"));
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(title);
  layout->addWidget(report, 1);
  layout->addWidget(measured_);
  layout->addWidget(measure_);
  layout->addWidget(buttons);

  connect(measure_, &QPushButton::clicked, this, [this] {
    MatmulProbeRequest req;
    req.threads = runner_->threads();
    req.seed = weft::random_seed();
    JobSpec spec;
    spec.kind = "matmul-probe";
    spec.title = tr("Measure matmul speed");
    spec.requestJson = QString::fromStdString(req.to_json().dump());
    spec.run = [req](ProgressSink& sink, const CancelToken& cancel) {
      auto res = std::make_shared<MatmulProbeResult>(run_matmul_probe(req, sink, cancel));
      JobOutput out;
      out.summary = QObject::tr("%1 GFLOP/s").arg(res->median_gflops, 0, 'f', 1);
      out.resultJson = QString::fromStdString(res->to_json().dump());
      out.payload = res;
      return out;
    };
    measure_->setEnabled(false);
    measured_->setText(tr("Measuring…"));
    pending_ = runner_->submit(std::move(spec));
  });
  connect(runner_, &JobRunner::jobFinished, this, [this](quint64 id) {
    if (id != pending_) return;
    measure_->setEnabled(true);
    JobRecord r = runner_->record(id);
    if (r.status != JobStatus::Done) {
      measured_->setText(tr("Measurement %1.").arg(statusText(r.status)));
      return;
    }
    auto res = std::static_pointer_cast<MatmulProbeResult>(r.output.payload);
    measured_->setText(tr("Matmul rate: %1 GFLOP/s (float32 %2×%2, median of %3, %4 thread(s))")
                           .arg(res->median_gflops, 0, 'f', 1)
                           .arg(res->request.size)
                           .arg(res->gflops.size())
                           .arg(res->request.threads));
  });
}

}  // namespace weft::studio
