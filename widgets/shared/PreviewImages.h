#pragma once
// Conversions between the core's 8-bit PreviewImage and QImage, shared by the panels (one definition).
#include <QImage>

namespace weft {
struct PreviewImage;
}

namespace weft::studio {

QImage toQImage(const PreviewImage& p);         // a deep copy; null for a malformed PreviewImage
PreviewImage toPreviewImage(const QImage& image);  // grey stays 1 channel, everything else becomes RGB

}  // namespace weft::studio
