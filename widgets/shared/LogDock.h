#pragma once
#include <QDockWidget>

class QPlainTextEdit;

namespace weft::studio {

// Everything the studio has to say, time-stamped: job messages, errors, start-up warnings.
class LogDock : public QDockWidget {
  Q_OBJECT
 public:
  enum class Level { Info, Warning, Error };
  explicit LogDock(QWidget* parent = nullptr);
  void append(Level level, const QString& text);
  QString text() const;

 private:
  QPlainTextEdit* view_;
};

}  // namespace weft::studio
