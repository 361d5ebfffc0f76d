#include "shared/PreviewImages.h"

#include <algorithm>

#include "common/progress_sink.h"

namespace weft::studio {

QImage toQImage(const PreviewImage& p) {
  const QImage::Format format = p.channels == 1   ? QImage::Format_Grayscale8
                                : p.channels == 4 ? QImage::Format_RGBA8888
                                                  : QImage::Format_RGB888;
  if (p.width <= 0 || p.height <= 0 || p.pixels.size() < size_t(p.width) * size_t(p.height) * size_t(p.channels))
    return {};
  return QImage(p.pixels.data(), p.width, p.height, p.width * p.channels, format).copy();
}

PreviewImage toPreviewImage(const QImage& image) {
  const bool grey = image.format() == QImage::Format_Grayscale8;
  const QImage img = grey ? image : image.convertToFormat(QImage::Format_RGB888);
  PreviewImage p;
  p.width = img.width();
  p.height = img.height();
  p.channels = grey ? 1 : 3;
  p.pixels.resize(size_t(p.width) * p.height * p.channels);
  for (int y = 0; y < p.height; ++y)
    std::copy_n(img.constScanLine(y), size_t(p.width) * p.channels, p.pixels.data() + size_t(y) * p.width * p.channels);
  return p;
}

}  // namespace weft::studio
