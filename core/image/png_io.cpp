#include "image/png_io.h"

#include <array>
#include <cstring>

#include "common/error.h"

#ifdef WEFT_OPENCV
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif

namespace weft::image {
namespace {

constexpr std::uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

std::uint32_t crc32(const std::uint8_t* p, std::size_t n, std::uint32_t crc = 0xffffffffu) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  for (std::size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return crc;
}

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}

std::uint32_t get_u32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

std::vector<std::uint8_t> text_chunk(const std::string& key, const std::string& text) {
  if (key.empty() || key.size() > 79) throw Error("PNG text key must have 1 to 79 characters", "PNG writer");
  std::vector<std::uint8_t> body = {'t', 'E', 'X', 't'};
  body.insert(body.end(), key.begin(), key.end());
  body.push_back(0);
  body.insert(body.end(), text.begin(), text.end());
  std::vector<std::uint8_t> chunk;
  put_u32(chunk, static_cast<std::uint32_t>(body.size() - 4));
  chunk.insert(chunk.end(), body.begin(), body.end());
  put_u32(chunk, crc32(body.data(), body.size()) ^ 0xffffffffu);
  return chunk;
}

}  // namespace

std::vector<std::uint8_t> encode_png(const PreviewImage& img, const std::map<std::string, std::string>& text) {
  if (img.width <= 0 || img.height <= 0 || (img.channels != 1 && img.channels != 3 && img.channels != 4) ||
      img.pixels.size() != std::size_t(img.width) * img.height * img.channels)
    throw Error("image has inconsistent size or channel count", "PNG writer");
#ifdef WEFT_OPENCV
  const int type = img.channels == 1 ? CV_8UC1 : img.channels == 3 ? CV_8UC3 : CV_8UC4;
  cv::Mat rgb(img.height, img.width, type, const_cast<std::uint8_t*>(img.pixels.data()));
  cv::Mat bgr;  // OpenCV writes BGR(A)
  if (img.channels == 3) cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  else if (img.channels == 4) cv::cvtColor(rgb, bgr, cv::COLOR_RGBA2BGRA);
  else bgr = rgb;
  std::vector<std::uint8_t> png;
  if (!cv::imencode(".png", bgr, png) || png.size() < 33) throw Error("OpenCV could not encode the PNG", "PNG writer");
  // Text chunks go right after IHDR (8-byte signature + 25-byte IHDR chunk), before the image data.
  std::vector<std::uint8_t> out(png.begin(), png.begin() + 33);
  for (const auto& [key, value] : text) {
    auto chunk = text_chunk(key, value);
    out.insert(out.end(), chunk.begin(), chunk.end());
  }
  out.insert(out.end(), png.begin() + 33, png.end());
  return out;
#else
  (void)text;
  throw Error("this build has no PNG encoder (built without OpenCV)", "PNG writer");
#endif
}

std::map<std::string, std::string> read_png_text(const std::vector<std::uint8_t>& png) {
  if (png.size() < 8 || std::memcmp(png.data(), kSignature, 8) != 0) throw Error("not a PNG file", "PNG reader");
  std::map<std::string, std::string> text;
  std::size_t pos = 8;
  while (pos + 12 <= png.size()) {
    const std::uint32_t len = get_u32(&png[pos]);
    if (len > png.size() - pos - 12) throw Error("truncated chunk at byte " + std::to_string(pos), "PNG reader");
    const std::string type(reinterpret_cast<const char*>(&png[pos + 4]), 4);
    if (type == "tEXt") {
      const auto* data = reinterpret_cast<const char*>(&png[pos + 8]);
      const std::string body(data, len);
      const auto nul = body.find('\0');
      if (nul != std::string::npos) text[body.substr(0, nul)] = body.substr(nul + 1);
    }
    if (type == "IEND") return text;
    pos += 12 + std::size_t(len);
  }
  throw Error("truncated PNG (no IEND chunk)", "PNG reader");
}

}  // namespace weft::image
