#pragma once
// Display decimation for long series: QtCharts redraws 100 k raw points in ~170 ms (measured), so plots keep a
// few points per pixel column. Per column we keep the first, lowest, highest and last point in x order, which
// preserves spikes and the line's shape exactly at screen resolution.
#include <QList>
#include <QPointF>
#include <cstddef>

namespace weft::studio {

// Points of (x[i], y[i]) with x in [x0, x1] (x ascending), reduced to at most 4 per column (plus the nearest
// point just outside each end, so the line reaches the plot's edges). Non-finite y values are skipped.
QList<QPointF> decimateMinMax(const double* x, const double* y, std::size_t n, double x0, double x1, int columns);

}  // namespace weft::studio
