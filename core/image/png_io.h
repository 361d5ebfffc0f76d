#pragma once
// PNG files that remember how they were made: 8-bit pixels encoded with OpenCV, plus tEXt chunks (key → text)
// such as the job's request JSON, so dropping the file back into the studio repeats the job.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/progress_sink.h"

namespace weft::image {

// Throws weft::Error when OpenCV is not built in or the image is malformed. Text must be Latin-1 (ASCII JSON is).
std::vector<std::uint8_t> encode_png(const PreviewImage& img, const std::map<std::string, std::string>& text = {});
// All tEXt chunks of a PNG (other chunks are skipped); throws weft::Error for a truncated or non-PNG buffer.
std::map<std::string, std::string> read_png_text(const std::vector<std::uint8_t>& png);

}  // namespace weft::image
