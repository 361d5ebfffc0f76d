#include "series/Decimate.h"

#include <algorithm>
#include <cmath>

namespace weft::studio {

QList<QPointF> decimateMinMax(const double* x, const double* y, std::size_t n, double x0, double x1, int columns) {
  QList<QPointF> out;
  if (n == 0 || columns < 1 || !(x1 >= x0)) return out;
  std::size_t begin = std::lower_bound(x, x + n, x0) - x;
  std::size_t end = std::upper_bound(x, x + n, x1) - x;
  if (begin > 0) --begin;  // one point beyond each edge so the line is not cut short inside the plot
  if (end < n) ++end;
  const std::size_t count = end - begin;
  if (count <= std::size_t(columns) * 4) {  // already sparse: every point
    for (std::size_t i = begin; i < end; ++i)
      if (std::isfinite(y[i])) out.append(QPointF(x[i], y[i]));
    return out;
  }
  const double width = (x1 > x0) ? (x1 - x0) / columns : 1.0;
  out.reserve(columns * 4 + 2);
  std::size_t i = begin;
  while (i < end) {
    const long column = std::lround(std::floor((x[i] - x0) / width));
    std::size_t first = end, last = end, lo = end, hi = end;
    for (; i < end && std::lround(std::floor((x[i] - x0) / width)) == column; ++i) {
      if (!std::isfinite(y[i])) continue;
      if (first == end) first = lo = hi = i;
      last = i;
      if (y[i] < y[lo]) lo = i;
      if (y[i] > y[hi]) hi = i;
    }
    if (first == end) continue;
    // Emit in x order, without repeating an index.
    std::size_t picks[4] = {first, std::min(lo, hi), std::max(lo, hi), last};
    std::size_t previous = end;
    for (std::size_t k : picks) {
      if (k == previous) continue;
      out.append(QPointF(x[k], y[k]));
      previous = k;
    }
  }
  return out;
}

}  // namespace weft::studio
