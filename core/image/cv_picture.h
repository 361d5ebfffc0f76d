#pragma once
// Shared by the picture and clip loaders (only .cpp files that use OpenCV include this).
#include <filesystem>

#ifdef WEFT_OPENCV
#include <opencv2/core.hpp>
#endif

namespace weft::image {

// By extension: .png, .jpg, .jpeg, .bmp, .webp, .tif(f), .ppm, .pgm.
bool looks_like_image(const std::filesystem::path& p);

#ifdef WEFT_OPENCV
// A decoded picture (any depth, 1/3/4 channels, BGR as OpenCV reads it) → size × size, 1 or 3 channels in RGB
// order: transparency over white, centre-cropped to a square, resized. Empty Mat for an empty or odd input.
cv::Mat fit_picture(cv::Mat m, int size, int channels);
#endif

}  // namespace weft::image
