#include "shared/SeedRow.h"

#include <QHBoxLayout>
#include <QPainter>
#include <QRandomGenerator>
#include <QSpinBox>
#include <QToolButton>
#include <climits>

namespace weft::studio {

namespace {

// Drawn rather than shipped as a file: it follows the palette's text colour (dark and light themes).
QIcon diceIcon(const QColor& ink) {
  auto draw = [](const QColor& colour) {
    QPixmap pm(32, 32);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(colour, 2.2));
    p.setBrush(Qt::NoBrush);
    p.drawRoundedRect(QRectF(3, 3, 26, 26), 6, 6);
    p.setPen(Qt::NoPen);
    p.setBrush(colour);
    for (QPointF c : {QPointF(10, 10), QPointF(22, 10), QPointF(16, 16), QPointF(10, 22), QPointF(22, 22)})
      p.drawEllipse(c, 2.6, 2.6);
    p.end();
    return pm;
  };
  QIcon icon(draw(ink));
  QColor faded = ink;
  faded.setAlphaF(0.3f);
  icon.addPixmap(draw(faded), QIcon::Disabled);  // the style's own disabled version stays black here
  return icon;
}

}  // namespace

SeedRow makeSeedRow(QWidget* owner, int initial, const QString& tooltip) {
  SeedRow row;
  row.seed = new QSpinBox;
  row.seed->setRange(0, INT_MAX);
  row.seed->setValue(initial);
  row.seed->setToolTip(tooltip);
  row.dice = new QToolButton;
  row.dice->setIcon(diceIcon(owner->palette().color(QPalette::ButtonText)));
  row.dice->setToolTip(QObject::tr("A random seed"));
  row.layout = new QHBoxLayout;
  row.layout->addWidget(row.seed, 1);
  row.layout->addWidget(row.dice);
  QSpinBox* seed = row.seed;
  QObject::connect(row.dice, &QToolButton::clicked, owner,
                   [seed] { seed->setValue(int(QRandomGenerator::global()->bounded(quint32(INT_MAX)))); });
  return row;
}

}  // namespace weft::studio
