#include "shared/LogDock.h"

#include <QDateTime>
#include <QFontDatabase>
#include <QPlainTextEdit>

namespace weft::studio {

LogDock::LogDock(QWidget* parent) : QDockWidget(tr("Log"), parent) {
  setObjectName("LogDock");
  view_ = new QPlainTextEdit;
  view_->setReadOnly(true);
  view_->setMaximumBlockCount(5000);  // a long session must not grow without bound
  view_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  setWidget(view_);
}

void LogDock::append(Level level, const QString& text) {
  const char* tag = level == Level::Error ? "error: " : level == Level::Warning ? "warning: " : "";
  const QString stamp = QDateTime::currentDateTime().toString("HH:mm:ss");
  for (const QString& line : text.split('\n', Qt::SkipEmptyParts))
    view_->appendPlainText(QString("%1  %2%3").arg(stamp, QLatin1String(tag), line));
}

QString LogDock::text() const { return view_->toPlainText(); }

}  // namespace weft::studio
