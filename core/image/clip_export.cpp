#include "image/clip_export.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <unistd.h>

#include "common/atomic_file.h"
#include "image/png_io.h"
#include "image/result_files.h"

#ifdef WEFT_OPENCV
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#endif
#ifdef WEFT_GIF
#include <gif_lib.h>
#endif

namespace weft::image {
namespace fs = std::filesystem;
namespace {

// A name next to `target` that no other writer uses; `ext` keeps the container recognisable (OpenCV picks the
// muxer by extension).
fs::path temporary_beside(const fs::path& target, const std::string& ext) {
  static int counter = 0;
  return target.parent_path() /
         ("." + target.stem().string() + ".partial-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + ext);
}

// Renames a finished temporary file onto the target; on failure removes it and reports.
void move_into_place(const fs::path& tmp, const fs::path& target, const char* what) {
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (!ec) return;
  const std::string why = ec.message();
  fs::remove(tmp, ec);
  throw Error(std::string("cannot rename the finished ") + what + " into place: " + why, target.string());
}

void check_frames(const std::vector<PreviewImage>& frames, const std::string& path) {
  if (frames.empty()) throw Error("the clip has no frames", path);
  for (const auto& f : frames)
    if (f.width != frames[0].width || f.height != frames[0].height || f.channels != frames[0].channels ||
        f.width < 1 || f.height < 1 || (f.channels != 1 && f.channels != 3) ||
        f.pixels.size() != size_t(f.width) * f.height * f.channels)
      throw Error("the clip's frames differ in size or are malformed", path);
}

void make_parent(const fs::path& target) {
  std::error_code ec;
  if (!target.parent_path().empty()) fs::create_directories(target.parent_path(), ec);
}

void write_mp4(const fs::path& target, const std::vector<PreviewImage>& frames, double fps, const Json& metadata) {
#ifndef WEFT_OPENCV
  (void)frames, (void)fps, (void)metadata;
  throw Error("this build has no OpenCV, so it cannot write MP4", target.string());
#else
  const fs::path tmp = temporary_beside(target, ".mp4");
  const auto& f0 = frames[0];
  {
    cv::VideoWriter writer;
    const bool opened = writer.open(tmp.string(), cv::CAP_FFMPEG, cv::VideoWriter::fourcc('m', 'p', '4', 'v'), fps,
                                    cv::Size(f0.width, f0.height), true);
    if (!opened) throw Error("cannot open an MP4 writer (OpenCV without FFmpeg?)", target.string());
    for (const auto& f : frames) {
      cv::Mat rgb(f.height, f.width, f.channels == 3 ? CV_8UC3 : CV_8UC1, const_cast<uint8_t*>(f.pixels.data()));
      cv::Mat bgr;
      cv::cvtColor(rgb, bgr, f.channels == 3 ? cv::COLOR_RGB2BGR : cv::COLOR_GRAY2BGR);
      writer.write(bgr);
    }
    writer.release();
  }
  std::error_code ec;
  if (!fs::exists(tmp, ec) || fs::file_size(tmp, ec) == 0) {
    fs::remove(tmp, ec);
    throw Error("the MP4 writer produced no file", target.string());
  }
  try {
    write_file_atomic(target.string() + ".json", metadata.dump(2) + "\n");
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
  move_into_place(tmp, target, "MP4");
#endif
}

void write_png_folder(const fs::path& target, const std::vector<PreviewImage>& frames, const Json& metadata) {
  const fs::path tmp = temporary_beside(target, "");
  std::error_code ec;
  try {
    fs::create_directories(tmp);
    for (size_t i = 0; i < frames.size(); ++i) {
      Json m = metadata;
      m["frame"] = i;
      char name[32];
      std::snprintf(name, sizeof name, "frame_%03zu.png", i);
      save_png((tmp / name).string(), frames[i], m);
    }
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  // A folder cannot be renamed over a non-empty one: move the old one aside, put the new one in, drop the old.
  const fs::path old = temporary_beside(target, ".old");
  const bool had = fs::exists(target, ec);
  if (had) fs::rename(target, old, ec);
  if (ec) {
    fs::remove_all(tmp, ec);
    throw Error("cannot replace the existing folder", target.string());
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    if (had) fs::rename(old, target, ec);
    fs::remove_all(tmp, ec);
    throw Error("cannot rename the finished frame folder into place", target.string());
  }
  if (had) fs::remove_all(old, ec);
}

#ifdef WEFT_GIF
struct GifCloser {
  void operator()(GifFileType* g) const {
    int err = 0;
    if (g) EGifCloseFile(g, &err);
  }
};

void write_gif_file(const fs::path& path, const std::vector<PreviewImage>& frames, double fps, const std::string& comment) {
  int err = 0;
  std::unique_ptr<GifFileType, GifCloser> gif(EGifOpenFileName(path.c_str(), false, &err));
  if (!gif) throw Error(std::string("cannot create the GIF: ") + GifErrorString(err), path.string());
  auto fail = [&](const char* what) {
    throw Error(std::string(what) + ": " + GifErrorString(gif->Error), path.string());
  };
  const int W = frames[0].width, H = frames[0].height;
  EGifSetGifVersion(gif.get(), true);  // GIF89a: extensions (loop, delays, comment)
  if (EGifPutScreenDesc(gif.get(), W, H, 8, 0, nullptr) == GIF_ERROR) fail("cannot write the GIF header");
  // Netscape looping extension: play forever.
  unsigned char app[] = {'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0'};
  unsigned char loop[] = {1, 0, 0};
  if (EGifPutExtensionLeader(gif.get(), APPLICATION_EXT_FUNC_CODE) == GIF_ERROR ||
      EGifPutExtensionBlock(gif.get(), sizeof app, app) == GIF_ERROR ||
      EGifPutExtensionBlock(gif.get(), sizeof loop, loop) == GIF_ERROR || EGifPutExtensionTrailer(gif.get()) == GIF_ERROR)
    fail("cannot write the GIF loop extension");
  if (!comment.empty() && EGifPutComment(gif.get(), comment.c_str()) == GIF_ERROR) fail("cannot write the GIF comment");
  const size_t n = size_t(W) * H;
  std::vector<GifByteType> r(n), g(n), b(n), indices(n);
  std::vector<GifColorType> colours(256);
  for (const auto& f : frames) {
    for (size_t i = 0; i < n; ++i) {
      const uint8_t* p = f.pixels.data() + i * f.channels;
      r[i] = p[0];
      g[i] = p[f.channels == 3 ? 1 : 0];
      b[i] = p[f.channels == 3 ? 2 : 0];
    }
    int colour_count = 256;  // a palette per frame (median cut), so every frame keeps its own colours
    if (GifQuantizeBuffer(W, H, &colour_count, r.data(), g.data(), b.data(), indices.data(), colours.data()) == GIF_ERROR)
      throw Error("cannot reduce a frame to 256 colours", path.string());
    GraphicsControlBlock gcb{};
    gcb.DisposalMode = DISPOSE_DO_NOT;
    gcb.UserInputFlag = false;
    gcb.DelayTime = std::max(2, int(std::lround(100.0 / fps)));  // hundredths; below 2 many viewers slow down
    gcb.TransparentColor = NO_TRANSPARENT_COLOR;
    GifByteType ext[4];
    const size_t ext_len = EGifGCBToExtension(&gcb, ext);
    if (EGifPutExtension(gif.get(), GRAPHICS_EXT_FUNC_CODE, int(ext_len), ext) == GIF_ERROR) fail("cannot write a frame delay");
    std::unique_ptr<ColorMapObject, void (*)(ColorMapObject*)> map(GifMakeMapObject(256, colours.data()), GifFreeMapObject);
    if (!map) throw Error("out of memory for a GIF palette", path.string());
    if (EGifPutImageDesc(gif.get(), 0, 0, W, H, false, map.get()) == GIF_ERROR) fail("cannot write a frame header");
    for (int y = 0; y < H; ++y)
      if (EGifPutLine(gif.get(), indices.data() + size_t(y) * W, W) == GIF_ERROR) fail("cannot write a frame");
  }
  GifFileType* raw = gif.release();
  if (EGifCloseFile(raw, &err) == GIF_ERROR) throw Error(std::string("cannot finish the GIF: ") + GifErrorString(err), path.string());
}
#endif

void write_gif(const fs::path& target, const std::vector<PreviewImage>& frames, double fps, const Json& metadata) {
#ifndef WEFT_GIF
  (void)frames, (void)fps, (void)metadata;
  throw Error("this build has no giflib, so it cannot write GIF", target.string());
#else
  const fs::path tmp = temporary_beside(target, ".gif");
  std::error_code ec;
  try {
    write_gif_file(tmp, frames, fps, metadata.dump());
    // giflib creates files readable by the owner only; an export should be as readable as any other file.
    fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
  move_into_place(tmp, target, "GIF");
#endif
}

}  // namespace

ClipFormat clip_format_from_name(const std::string& name) {
  if (name == "mp4") return ClipFormat::Mp4;
  if (name == "png") return ClipFormat::Png;
  if (name == "gif") return ClipFormat::Gif;
  throw Error("unknown clip format \"" + name + "\" (mp4, png, gif)", "video export");
}

const char* clip_format_name(ClipFormat f) {
  switch (f) {
    case ClipFormat::Png: return "png";
    case ClipFormat::Gif: return "gif";
    case ClipFormat::Mp4: break;
  }
  return "mp4";
}

std::string clip_file_name(const std::string& stem, ClipFormat f) {
  return f == ClipFormat::Png ? stem : stem + "." + clip_format_name(f);
}

void write_clip(const std::string& path, const std::vector<PreviewImage>& frames, double fps, ClipFormat format,
                const Json& metadata) {
  check_frames(frames, path);
  if (!(fps > 0 && fps <= 240)) throw Error("frame rate must be in (0, 240]", path);
  const fs::path target(path);
  make_parent(target);
  switch (format) {
    case ClipFormat::Mp4: return write_mp4(target, frames, fps, metadata);
    case ClipFormat::Png: return write_png_folder(target, frames, metadata);
    case ClipFormat::Gif: return write_gif(target, frames, fps, metadata);
  }
}

std::vector<std::string> save_clips(const GenerateResult& res, const std::string& folder, const std::string& stem,
                                    ClipFormat format) {
  std::vector<std::string> paths;
  const Json base = res.to_json();
  for (size_t i = 0; i < res.clips.size(); ++i) {
    Json m = base;
    m["index"] = i;
    const auto path = (fs::path(folder) / clip_file_name(stem + "_" + std::to_string(i), format)).string();
    write_clip(path, res.clips[i], res.fps > 0 ? res.fps : 8, format, m);
    paths.push_back(path);
  }
  return paths;
}

std::vector<PreviewImage> read_clip_frames(const std::string& path, int max_frames, std::string* metadata) {
#ifndef WEFT_OPENCV
  (void)max_frames, (void)metadata;
  throw Error("this build has no OpenCV, so it cannot decode clips", path);
#else
  std::vector<PreviewImage> frames;
  try {
    cv::VideoCapture cap(path, cv::CAP_FFMPEG);
    if (!cap.isOpened()) throw Error("cannot be decoded as a video or animated GIF", path);
    cv::Mat bgr, rgb;
    while (int(frames.size()) < max_frames && cap.read(bgr)) {
      if (bgr.empty() || bgr.type() != CV_8UC3) break;
      cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
      PreviewImage p;
      p.width = rgb.cols;
      p.height = rgb.rows;
      p.channels = 3;
      p.pixels.resize(size_t(rgb.total()) * 3);
      for (int y = 0; y < rgb.rows; ++y) std::copy_n(rgb.ptr<uint8_t>(y), size_t(rgb.cols) * 3, p.pixels.data() + size_t(y) * rgb.cols * 3);
      frames.push_back(std::move(p));
    }
  } catch (const cv::Exception& e) {
    throw Error(std::string("cannot be decoded: ") + e.what(), path);
  }
  if (frames.empty()) throw Error("holds no decodable frame", path);
  if (metadata) {
    metadata->clear();
    std::error_code ec;
    const bool gif = path.size() > 4 && (path.compare(path.size() - 4, 4, ".gif") == 0 || path.compare(path.size() - 4, 4, ".GIF") == 0);
    if (gif) {
      try {
        *metadata = read_gif_comment(path);
      } catch (const Error&) {
      }
    } else if (fs::is_regular_file(path + ".json", ec)) {
      *metadata = read_file(path + ".json");
    }
  }
  return frames;
#endif
}

std::string read_gif_comment(const std::string& path) {
#ifndef WEFT_GIF
  throw Error("this build has no giflib", path);
#else
  int err = 0;
  GifFileType* gif = DGifOpenFileName(path.c_str(), &err);
  if (!gif) throw Error(std::string("not a readable GIF: ") + GifErrorString(err), path);
  std::unique_ptr<GifFileType, void (*)(GifFileType*)> guard(gif, [](GifFileType* g) {
    int e = 0;
    DGifCloseFile(g, &e);
  });
  if (DGifSlurp(gif) == GIF_ERROR) throw Error(std::string("not a readable GIF: ") + GifErrorString(gif->Error), path);
  // A long comment is one COMMENT block followed by CONTINUE blocks; giflib 5 files the extensions before an
  // image with that image.
  std::string comment;
  auto gather = [&](const ExtensionBlock* blocks, int count) {
    bool in_comment = false;
    for (int i = 0; i < count; ++i) {
      const auto& e = blocks[i];
      in_comment = e.Function == COMMENT_EXT_FUNC_CODE || (in_comment && e.Function == CONTINUE_EXT_FUNC_CODE);
      if (in_comment) comment.append(reinterpret_cast<const char*>(e.Bytes), size_t(e.ByteCount));
    }
  };
  for (int i = 0; i < gif->ImageCount; ++i) gather(gif->SavedImages[i].ExtensionBlocks, gif->SavedImages[i].ExtensionBlockCount);
  gather(gif->ExtensionBlocks, gif->ExtensionBlockCount);
  return comment;
#endif
}

}  // namespace weft::image
