#include "image/emoji_data.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

#include "common/error.h"
#include "common/rng.h"

// Rendering needs FreeType (the glyphs) and OpenCV (resizing); a build without either reports the source as
// unavailable instead of failing to compile.
#if defined(WEFT_FREETYPE) && defined(WEFT_OPENCV)
#define WEFT_EMOJI 1
#include <ft2build.h>
#include <opencv2/imgproc.hpp>
#include FT_FREETYPE_H
#endif

namespace weft::image {
namespace {

#ifdef WEFT_EMOJI
constexpr int kWork = 96;  // pictures are composed at this size, then reduced (area filter) to the model size

// Premultiplied BGRA glyphs as float, one per code point, rendered once per process.
using Glyphs = std::map<char32_t, cv::Mat>;

Glyphs render_glyphs(const std::string& font) {
  if (!std::filesystem::exists(font))
    throw Error("font not found (install the Debian package fonts-noto-color-emoji, or set WEFT_EMOJI_FONT)", font);
  FT_Library lib = nullptr;
  if (FT_Init_FreeType(&lib)) throw Error("FreeType could not start", font);
  std::unique_ptr<FT_LibraryRec_, decltype(&FT_Done_FreeType)> lib_guard(lib, &FT_Done_FreeType);
  FT_Face face = nullptr;
  if (FT_New_Face(lib, font.c_str(), 0, &face)) throw Error("not a font FreeType can read", font);
  std::unique_ptr<FT_FaceRec_, decltype(&FT_Done_Face)> face_guard(face, &FT_Done_Face);
  // Noto Color Emoji is a bitmap (CBDT) font: its only size is a fixed strike, chosen by index.
  if (!FT_HAS_COLOR(face) || face->num_fixed_sizes < 1 || FT_Select_Size(face, 0))
    throw Error("not a colour bitmap emoji font", font);
  Glyphs glyphs;
  for (const auto& cls : noto_emoji_code_points())
    for (char32_t cp : cls) {
      const FT_UInt index = FT_Get_Char_Index(face, FT_ULong(cp));
      if (!index || FT_Load_Glyph(face, index, FT_LOAD_COLOR) || face->glyph->bitmap.pixel_mode != FT_PIXEL_MODE_BGRA)
        throw Error("the font has no colour glyph for U+" + [&] {
          char hex[16];
          std::snprintf(hex, sizeof hex, "%04X", unsigned(cp));
          return std::string(hex);
        }(), font);
      const FT_Bitmap& b = face->glyph->bitmap;
      cv::Mat bgra(int(b.rows), int(b.width), CV_8UC4, b.buffer, std::size_t(b.pitch));
      cv::Mat f;
      bgra.convertTo(f, CV_32FC4, 1.0 / 255);
      glyphs[cp] = f;  // convertTo copied the pixels out of FreeType's buffer
    }
  return glyphs;
}

const Glyphs& glyphs() {
  static std::mutex mutex;
  static std::unique_ptr<Glyphs> cache;
  static std::string cached_font;
  std::lock_guard<std::mutex> lock(mutex);
  const std::string font = noto_emoji_font();
  if (!cache || cached_font != font) {
    cache = std::make_unique<Glyphs>(render_glyphs(font));
    cached_font = font;
  }
  return *cache;
}

// One picture: the glyph at a random size (55–90 % of the picture) and place, premultiplied-over white.
cv::Mat compose(const cv::Mat& glyph, Rng& rng) {
  const double scale = rng.uniform(0.55, 0.9) * kWork / std::max(glyph.cols, glyph.rows);
  cv::Mat g;
  cv::resize(glyph, g, cv::Size(), scale, scale, cv::INTER_AREA);
  const int x0 = int(rng.below(std::uint64_t(kWork - g.cols + 1)));
  const int y0 = int(rng.below(std::uint64_t(kWork - g.rows + 1)));
  cv::Mat canvas(kWork, kWork, CV_32FC3, cv::Scalar(1, 1, 1));
  for (int y = 0; y < g.rows; ++y)
    for (int x = 0; x < g.cols; ++x) {
      const auto& p = g.at<cv::Vec4f>(y, x);  // B, G, R premultiplied by A
      auto& c = canvas.at<cv::Vec3f>(y0 + y, x0 + x);
      for (int k = 0; k < 3; ++k) c[k] = p[k] + (1 - p[3]) * c[k];
    }
  return canvas;
}
#endif

}  // namespace

std::string noto_emoji_font() {
  if (const char* env = std::getenv("WEFT_EMOJI_FONT"); env && *env) return env;
  return "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf";
}

const std::vector<std::string>& noto_emoji_classes() {
  static const std::vector<std::string> names{"face", "heart", "animal", "fruit", "vehicle",
                                              "weather", "plant", "ball", "food", "building"};
  return names;
}

const std::vector<std::vector<char32_t>>& noto_emoji_code_points() {
  static const std::vector<std::vector<char32_t>> cps{
      {0x1F600, 0x1F603, 0x1F604, 0x1F601, 0x1F606, 0x1F605, 0x1F602, 0x1F642},  // faces
      {0x1F9E1, 0x1F49B, 0x1F49A, 0x1F499, 0x1F49C, 0x1F5A4, 0x1F496, 0x1F497},  // hearts
      {0x1F436, 0x1F431, 0x1F42D, 0x1F439, 0x1F430, 0x1F98A, 0x1F43B, 0x1F43C},  // animal faces
      {0x1F34E, 0x1F350, 0x1F34A, 0x1F34B, 0x1F34C, 0x1F349, 0x1F347, 0x1F353},  // fruit
      {0x1F697, 0x1F695, 0x1F699, 0x1F68C, 0x1F68E, 0x1F693, 0x1F691, 0x1F692},  // vehicles
      {0x1F324, 0x26C5, 0x1F325, 0x1F326, 0x1F327, 0x26C8, 0x1F329, 0x1F328},    // weather
      {0x1F335, 0x1F384, 0x1F332, 0x1F333, 0x1F334, 0x1F331, 0x1F33F, 0x1F340},  // plants
      {0x26BD, 0x1F3C0, 0x1F3C8, 0x26BE, 0x1F94E, 0x1F3BE, 0x1F3D0, 0x1F3C9},    // balls
      {0x1F354, 0x1F35F, 0x1F355, 0x1F32D, 0x1F96A, 0x1F32E, 0x1F32F, 0x1F957},  // food
      {0x1F3E0, 0x1F3E1, 0x1F3E2, 0x1F3E3, 0x1F3E4, 0x1F3E5, 0x1F3E6, 0x1F3E8},  // buildings
  };
  return cps;
}

ImageSet noto_emoji_pictures(bool test, int count, int size, int channels) {
#ifndef WEFT_EMOJI
  (void)test, (void)count, (void)size, (void)channels;
  throw Error("this build has no FreeType (libfreetype-dev) or OpenCV: the emoji source is unavailable", "noto-emoji");
#else
  const auto& glyph_map = glyphs();
  const auto& cps = noto_emoji_code_points();
  const int classes = int(cps.size());
  const int n = count > 0 ? count : classes * (test ? 100 : 600);
  ImageSet set;
  set.images = torch::empty({n, channels, size, size}, torch::kUInt8);
  std::vector<int64_t> labels(static_cast<std::size_t>(n));
  auto out = set.images.accessor<uint8_t, 4>();
  for (int i = 0; i < n; ++i) {
    // Picture i has its own stream; the test split's streams are another family.
    Rng rng(Rng::derive(test ? 0x454d4f4a49ull : 0x656d6f6a69ull, std::uint64_t(i)));
    const int c = i % classes;
    const auto& members = cps[std::size_t(c)];
    const char32_t cp = members[std::size_t(rng.below(members.size()))];
    cv::Mat small;
    cv::resize(compose(glyph_map.at(cp), rng), small, cv::Size(size, size), 0, 0, cv::INTER_AREA);
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x) {
        const auto& p = small.at<cv::Vec3f>(y, x);  // B, G, R in [0, 1]
        const float rgb[3] = {p[2], p[1], p[0]};
        if (channels == 1) {
          out[i][0][y][x] = uint8_t(std::lround(255 * std::clamp(0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2], 0.f, 1.f)));
        } else {
          for (int k = 0; k < 3; ++k) out[i][k][y][x] = uint8_t(std::lround(255 * std::clamp(rgb[k], 0.f, 1.f)));
        }
      }
    labels[std::size_t(i)] = c;
  }
  set.labels = torch::tensor(labels, torch::kLong);
  set.class_names = noto_emoji_classes();
  set.description = std::string("Noto Color Emoji, ") + (test ? "test" : "train") + " arrangements, " +
                    std::to_string(n) + " pictures, " + std::to_string(classes) + " classes";
  return set;
#endif
}

}  // namespace weft::image
