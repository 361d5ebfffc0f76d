#include "image/clip_data.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "common/error.h"
#include "common/rng.h"
#include "image/cv_picture.h"

#ifdef WEFT_OPENCV
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#endif

namespace weft::image {
namespace fs = std::filesystem;
namespace {

constexpr int kMaxFramesRead = 1024;  // longer videos: only their first 1024 frames are considered

const char* const kShapes[] = {"circle", "square", "triangle"};
const char* const kDirections[] = {"right", "left", "up", "down"};

#ifdef WEFT_OPENCV
// HSV (h in [0, 6)) → RGB in [0, 255].
cv::Scalar hsv_rgb(double h, double s, double v) {
  const double c = v * s, x = c * (1 - std::abs(std::fmod(h, 2.0) - 1)), m = v - c;
  double r = 0, g = 0, b = 0;
  switch (int(h) % 6) {
    case 0: r = c, g = x; break;
    case 1: r = x, g = c; break;
    case 2: g = c, b = x; break;
    case 3: g = x, b = c; break;
    case 4: r = x, b = c; break;
    default: r = c, b = x; break;
  }
  return cv::Scalar((r + m) * 255, (g + m) * 255, (b + m) * 255);
}
#endif

bool looks_like_video(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* e : {".mp4", ".avi", ".mkv", ".mov", ".webm", ".gif", ".mpg", ".mpeg", ".m4v", ".wmv", ".ogv"})
    if (ext == e) return true;
  return false;
}

// T indices from the middle of n frames, evenly spaced with a stride of at most 4 (keeps motion smooth).
std::vector<int> pick_frames(int n, int T) {
  const int stride = T > 1 ? std::clamp((n - 1) / (T - 1), 1, 4) : 1;
  const int start = (n - 1 - (T - 1) * stride) / 2;
  std::vector<int> idx;
  for (int i = 0; i < T; ++i) idx.push_back(start + i * stride);
  return idx;
}

#ifdef WEFT_OPENCV
at::Tensor stack_frames(const std::vector<cv::Mat>& frames, const std::vector<int>& pick, int size, int channels) {
  std::vector<at::Tensor> out;
  for (int i : pick)
    out.push_back(torch::from_blob(frames[size_t(i)].data, {size, size, channels}, torch::kUInt8).permute({2, 0, 1}).clone());
  return torch::stack(out);
}

// One clip from a video file or a folder of frames; undefined tensor (and `why`) when it cannot be used.
at::Tensor read_clip(const fs::path& p, const ClipDataSpec& spec, std::string& why) {
  std::vector<cv::Mat> frames;
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(p, ec))
      if (e.is_regular_file(ec) && looks_like_image(e.path())) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    if (files.size() > size_t(kMaxFramesRead)) files.resize(kMaxFramesRead);
    for (const auto& f : files) {
      cv::Mat m;
      try {
        m = fit_picture(cv::imread(f.string(), cv::IMREAD_UNCHANGED), spec.size, spec.channels);
      } catch (const cv::Exception&) {
      }
      if (m.empty()) {
        why = "frame " + f.filename().string() + " cannot be decoded";
        return {};
      }
      frames.push_back(m);
    }
  } else {
    cv::VideoCapture cap;
    try {
      if (!cap.open(p.string(), cv::CAP_FFMPEG)) {
        why = "cannot be decoded as a video";
        return {};
      }
      cv::Mat m;
      while (int(frames.size()) < kMaxFramesRead && cap.read(m)) {
        cv::Mat fitted = fit_picture(m, spec.size, spec.channels);
        if (fitted.empty()) break;
        frames.push_back(fitted);
      }
    } catch (const cv::Exception&) {
      why = "cannot be decoded as a video";
      return {};
    }
  }
  if (int(frames.size()) < spec.frames) {
    why = "has " + std::to_string(frames.size()) + " readable frames, a clip needs " + std::to_string(spec.frames);
    return {};
  }
  return stack_frames(frames, pick_frames(int(frames.size()), spec.frames), spec.size, spec.channels);
}
#endif

std::uint64_t synthetic_stream(bool test, std::uint64_t seed) {
  return test ? 0x74657374ull : Rng::derive(seed, 0x74726169ull);
}

ImageSet synthetic(const ClipDataSpec& spec, bool test) {
  const int n = spec.limit > 0 ? spec.limit : (test ? 1000 : 8000);
  const std::uint64_t stream = synthetic_stream(test, spec.seed);
  ImageSet set;
  set.images = torch::empty({n, spec.frames, spec.channels, spec.size, spec.size}, torch::kUInt8);
  std::vector<int64_t> labels;
  const int classes = static_cast<int>(moving_shapes_classes().size());
  for (int i = 0; i < n; ++i) {
    const int label = i % classes;  // balanced classes
    set.images[i].copy_(moving_shapes_clip(label, Rng::derive(stream, std::uint64_t(i)), spec.frames, spec.size, spec.channels));
    labels.push_back(label);
  }
  set.labels = torch::tensor(labels, torch::kLong);
  set.class_names = moving_shapes_classes();
  set.description = std::string("moving shapes ") + (test ? "test" : "train") + " clips, " + std::to_string(n) +
                    " clips of " + std::to_string(spec.frames) + " frames, " + std::to_string(classes) + " classes";
  return set;
}

ImageSet load_folder(const ClipDataSpec& spec) {
#ifndef WEFT_OPENCV
  throw Error("this build has no OpenCV, so it cannot read video folders", spec.source);
#else
  const fs::path root(spec.source);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw Error("not a folder (and not \"moving-shapes\")", spec.source);
  // Classes: sub-folders in name order; clips directly in the root make one more class named after the folder.
  // A sub-folder holding only pictures is itself a clip of the root class.
  auto is_frame_folder = [&](const fs::path& d) {
    bool any = false;
    for (const auto& e : fs::directory_iterator(d, ec)) {
      if (!e.is_regular_file(ec) || !looks_like_image(e.path())) return false;
      any = true;
    }
    return any;
  };
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(root, ec)) entries.push_back(e.path());
  std::sort(entries.begin(), entries.end());
  std::vector<std::pair<std::string, std::vector<fs::path>>> classes;
  std::vector<fs::path> loose;
  ImageSet set;
  for (const auto& p : entries) {
    if (fs::is_directory(p, ec) && !is_frame_folder(p)) {
      std::vector<fs::path> clips;
      std::vector<fs::path> inner;
      for (const auto& e : fs::directory_iterator(p, ec)) inner.push_back(e.path());
      std::sort(inner.begin(), inner.end());
      for (const auto& q : inner) {
        if (fs::is_directory(q, ec) || looks_like_video(q)) clips.push_back(q);
        else set.skipped.push_back(q.string() + ": not a video file or frame folder");
      }
      if (!clips.empty()) classes.emplace_back(p.filename().string(), std::move(clips));
    } else if (fs::is_directory(p, ec) || looks_like_video(p)) {
      loose.push_back(p);
    } else {
      set.skipped.push_back(p.string() + ": not a video file or frame folder");
    }
  }
  if (!loose.empty()) classes.emplace_back(root.filename().string(), std::move(loose));
  std::vector<at::Tensor> clips;
  std::vector<int64_t> labels;
  for (size_t c = 0; c < classes.size(); ++c)
    for (const auto& p : classes[c].second) {
      if (spec.limit > 0 && int(clips.size()) >= spec.limit) break;
      std::string why;
      auto clip = read_clip(p, spec, why);
      if (!clip.defined()) {
        set.skipped.push_back(p.string() + ": " + why);
        continue;
      }
      clips.push_back(clip);
      labels.push_back(int64_t(c));
    }
  if (clips.empty())
    throw Error("no usable clips found (" + std::to_string(set.skipped.size()) + " files skipped" +
                    (set.skipped.empty() ? "" : "; first: " + set.skipped.front()) + ")", spec.source);
  std::vector<std::string> names;
  for (const auto& c : classes) names.push_back(c.first);
  keep_used_classes(set, names, std::move(labels));
  set.images = torch::stack(clips);
  set.description = "folder " + root.filename().string() + ", " + std::to_string(set.count()) + " clips of " +
                    std::to_string(spec.frames) + " frames, " + std::to_string(set.class_names.size()) + " classes" +
                    (set.skipped.empty() ? "" : ", " + std::to_string(set.skipped.size()) + " files skipped");
  return set;
#endif
}

}  // namespace

const std::vector<std::string>& moving_shapes_classes() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const char* s : kShapes)
      for (const char* d : kDirections) v.push_back(std::string(s) + " moving " + d);
    return v;
  }();
  return names;
}

at::Tensor moving_shapes_clip(int label, std::uint64_t seed, int frames, int size, int channels) {
#ifndef WEFT_OPENCV
  throw Error("this build has no OpenCV, so it cannot draw synthetic clips", "moving-shapes");
#else
  if (label < 0 || label >= int(moving_shapes_classes().size())) throw Error("class out of range", "moving-shapes");
  Rng rng(seed);
  const int shape = label / 4, direction = label % 4;
  const double S = size, scale = size / 32.0;  // sizes and speeds are given for 32 px frames
  const double r = rng.uniform(3.5, 6.0) * scale;
  const double speed = rng.uniform(0.6, 1.1) * scale * 16.0 / std::max(1, frames);  // 16 frames travel 10–18 px
  const double travel = speed * (frames - 1);
  const cv::Scalar fg = hsv_rgb(rng.uniform(0, 6), rng.uniform(0.6, 1.0), rng.uniform(0.8, 1.0));
  const cv::Scalar bg = hsv_rgb(rng.uniform(0, 6), rng.uniform(0.0, 0.6), rng.uniform(0.0, 0.25));
  const double lo = r + 1, hi = std::max(lo, S - 1 - r - travel);
  const double along = rng.uniform(lo, hi), across = rng.uniform(r + 1, std::max(r + 1, S - 1 - r));
  const double sign = direction == 0 || direction == 3 ? 1 : -1;
  const double start = sign > 0 ? along : S - along;  // moving left/up starts near the far side
  auto out = torch::empty({frames, channels, size, size}, torch::kUInt8);
  constexpr int kShift = 4;  // sub-pixel positions: OpenCV's fixed-point drawing
  const double unit = 1 << kShift;
  for (int t = 0; t < frames; ++t) {
    const double a = start + sign * speed * t;
    const double x = direction < 2 ? a : across, y = direction < 2 ? across : a;
    cv::Mat img(size, size, CV_8UC3, bg);
    auto pt = [&](double px, double py) { return cv::Point(int(std::lround(px * unit)), int(std::lround(py * unit))); };
    if (shape == 0) {
      cv::circle(img, pt(x, y), int(std::lround(r * unit)), fg, cv::FILLED, cv::LINE_AA, kShift);
    } else if (shape == 1) {
      const double h = r * 0.9;
      const cv::Point q[] = {pt(x - h, y - h), pt(x + h, y - h), pt(x + h, y + h), pt(x - h, y + h)};
      cv::fillConvexPoly(img, q, 4, fg, cv::LINE_AA, kShift);
    } else {
      const cv::Point q[] = {pt(x, y - r), pt(x + r * 0.95, y + r * 0.7), pt(x - r * 0.95, y + r * 0.7)};
      cv::fillConvexPoly(img, q, 3, fg, cv::LINE_AA, kShift);
    }
    if (channels == 1) cv::cvtColor(img, img, cv::COLOR_RGB2GRAY);
    out[t].copy_(torch::from_blob(img.data, {size, size, channels}, torch::kUInt8).permute({2, 0, 1}));
  }
  return out;
#endif
}

ImageSet moving_shapes_frames(bool test, int count, int size, int channels, std::uint64_t seed) {
  const int n = count > 0 ? count : (test ? 1000 : 8000), T = 16;
  const std::uint64_t stream = synthetic_stream(test, seed);
  const int classes = static_cast<int>(moving_shapes_classes().size());
  ImageSet set;
  set.images = torch::empty({n, channels, size, size}, torch::kUInt8);
  std::vector<int64_t> labels;
  for (int i = 0; i < n; ++i) {
    const int label = i % classes;
    const auto clip_seed = Rng::derive(stream, std::uint64_t(i));
    Rng pick(Rng::derive(clip_seed, 0x6672616dull));
    set.images[i].copy_(moving_shapes_clip(label, clip_seed, T, size, channels)[int64_t(pick.below(T))]);
    labels.push_back(label);
  }
  set.labels = torch::tensor(labels, torch::kLong);
  set.class_names = moving_shapes_classes();
  set.description = std::string("moving shapes ") + (test ? "test" : "train") + " frames, " + std::to_string(n) +
                    " pictures (one frame per clip), " + std::to_string(classes) + " classes";
  return set;
}

ImageSet load_clip_set(const ClipDataSpec& spec) {
  if (spec.frames < 1 || spec.frames > 256) throw Error("frames must be between 1 and 256", spec.source);
  if (spec.size < 8 || spec.size > 512) throw Error("frame size must be between 8 and 512 px", spec.source);
  if (spec.channels != 1 && spec.channels != 3) throw Error("channels must be 1 or 3", spec.source);
  if (spec.limit < 0) throw Error("limit must be 0 (all) or positive", spec.source);
  const int64_t bytes = int64_t(std::max(spec.limit, 8000)) * spec.frames * spec.channels * spec.size * spec.size;
  if (bytes > (int64_t(4) << 30)) throw Error("that many clips of this size need more than 4 GB; use a limit", spec.source);
  if (spec.source == "moving-shapes" || spec.source == "moving-shapes:train") return synthetic(spec, false);
  if (spec.source == "moving-shapes:test") return synthetic(spec, true);
  return load_folder(spec);
}

}  // namespace weft::image
