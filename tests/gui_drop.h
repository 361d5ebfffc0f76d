#pragma once
// Dropping a file on the studio window in a GUI test, as a real drag does: enter (the window must accept file
// URLs), then drop. Use inside a Qt Test function (QVERIFY returns from the caller's helper on failure).
#include <QCoreApplication>
#include <QDropEvent>
#include <QMimeData>
#include <QTest>
#include <QUrl>

#include "shared/MainWindow.h"

namespace weft::studio::testing {

inline void dropFile(MainWindow& w, const QString& path) {
  QMimeData mime;
  mime.setUrls({QUrl::fromLocalFile(path)});
  QDragEnterEvent enter(QPoint(200, 200), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QCoreApplication::sendEvent(&w, &enter);
  QVERIFY(enter.isAccepted());
  QDropEvent drop(QPointF(200, 200), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  QCoreApplication::sendEvent(&w, &drop);
}

}  // namespace weft::studio::testing
