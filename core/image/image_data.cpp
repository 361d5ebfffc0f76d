#include "image/image_data.h"

#include "image/emoji_data.h"

#include <torch/torch.h>
#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "common/error.h"
#include "image/clip_data.h"
#include "image/cv_picture.h"

#ifdef WEFT_OPENCV
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif

namespace weft::image {
namespace fs = std::filesystem;
namespace {

// Whole IDX file (gzip or plain: gzread passes plain files through).
std::vector<uint8_t> read_gz(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw Error("cannot open (install dataset-fashion-mnist or set WEFT_FASHION_MNIST_DIR)", path);
  std::unique_ptr<gzFile_s, int (*)(gzFile)> guard(f, gzclose);
  std::vector<uint8_t> out;
  std::vector<uint8_t> buf(1 << 20);
  for (;;) {
    const int n = gzread(f, buf.data(), static_cast<unsigned>(buf.size()));
    if (n < 0) throw Error("not a readable gzip/IDX file", path);
    if (n == 0) break;
    out.insert(out.end(), buf.begin(), buf.begin() + n);
  }
  return out;
}

uint32_t be32(const std::vector<uint8_t>& b, size_t at) {
  return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 | b[at + 3];
}

// IDX: magic (0x801 labels, 0x803 images), big-endian dimensions, then the bytes.
std::pair<std::vector<uint32_t>, size_t> idx_header(const std::vector<uint8_t>& b, uint32_t magic, const std::string& path) {
  const uint32_t dims = magic & 0xff;
  if (b.size() < 4 + 4 * dims || be32(b, 0) != magic) throw Error("not an IDX file of the expected kind", path);
  std::vector<uint32_t> shape;
  size_t total = 1;
  for (uint32_t i = 0; i < dims; ++i) {
    shape.push_back(be32(b, 4 + 4 * i));
    total *= shape.back();
  }
  const size_t offset = 4 + 4 * dims;
  if (b.size() - offset < total) throw Error("truncated IDX file", path);
  return {shape, offset};
}

std::vector<int64_t> even_pick(int64_t n, int limit) {
  std::vector<int64_t> idx;
  const int64_t k = limit > 0 && limit < n ? limit : n;
  for (int64_t i = 0; i < k; ++i) idx.push_back(i * n / k);
  return idx;
}

// (N, 1, s, s) uint8 → (N, channels, size, size): black padding (the data's background), grey replicated.
at::Tensor fit(at::Tensor grey, int size, int channels, const std::string& where) {
  const int64_t s = grey.size(2);
  if (s > size) throw Error("pictures are " + std::to_string(s) + " px, larger than the model's " + std::to_string(size) + " px", where);
  const int64_t lo = (size - s) / 2, hi = size - s - lo;
  auto out = at::constant_pad_nd(grey, {lo, hi, lo, hi}, 0);
  return channels == 3 ? out.expand({-1, 3, -1, -1}).contiguous() : out.contiguous();
}

ImageSet load_fashion_mnist(const ImageDataSpec& spec, bool test) {
  const std::string dir = fashion_mnist_dir();
  const std::string prefix = dir + (test ? "/t10k" : "/train");
  const std::string ipath = prefix + "-images-idx3-ubyte.gz", lpath = prefix + "-labels-idx1-ubyte.gz";
  const auto ib = read_gz(ipath), lb = read_gz(lpath);
  const auto [ishape, ioff] = idx_header(ib, 0x803, ipath);
  const auto [lshape, loff] = idx_header(lb, 0x801, lpath);
  if (ishape[0] != lshape[0]) throw Error("image and label files disagree on the count", ipath);
  const int64_t n = ishape[0], h = ishape[1], w = ishape[2];
  if (h != w) throw Error("expected square pictures", ipath);
  auto all = torch::from_blob(const_cast<uint8_t*>(ib.data() + ioff), {n, 1, h, w}, torch::kUInt8);
  auto labels = torch::from_blob(const_cast<uint8_t*>(lb.data() + loff), {n}, torch::kUInt8);
  if (labels.numel() > 0 && labels.max().item<int>() >= 10) throw Error("label out of range 0..9", lpath);
  auto pick = torch::tensor(even_pick(n, spec.limit), torch::kLong);
  ImageSet set;
  set.images = fit(all.index_select(0, pick), spec.size, spec.channels, ipath);
  set.labels = labels.index_select(0, pick).to(torch::kLong);
  set.class_names = fashion_mnist_classes();
  set.description = std::string("Fashion-MNIST ") + (test ? "test" : "train") + " split, " +
                    std::to_string(set.count()) + " pictures, 10 classes";
  return set;
}

}  // namespace

bool looks_like_image(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* e : {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".ppm", ".pgm"})
    if (ext == e) return true;
  return false;
}

namespace {

#ifdef WEFT_OPENCV
// One picture → size × size, 1 or 3 channels (RGB order); empty Mat when it does not decode.
cv::Mat read_picture(const fs::path& p, int size, int channels) {
  cv::Mat m;
  try {
    m = cv::imread(p.string(), cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception&) {
    return {};
  }
  return fit_picture(m, size, channels);
}
#endif

}  // namespace

#ifdef WEFT_OPENCV
cv::Mat fit_picture(cv::Mat m, int size, int channels) {
  if (m.empty() || m.dims != 2 || m.rows < 1 || m.cols < 1) return {};
  if (m.depth() != CV_8U) m.convertTo(m, CV_8U, m.depth() == CV_16U ? 1.0 / 257 : 1.0);
  if (m.channels() == 4) {
    // Transparent pixels over white, as a viewer shows them.
    cv::Mat f, out;
    m.convertTo(f, CV_32F, 1.0 / 255);
    std::vector<cv::Mat> ch;
    cv::split(f, ch);
    for (int c = 0; c < 3; ++c) ch[c] = ch[c].mul(ch[3]) + (1.0 - ch[3]);
    ch.resize(3);
    cv::merge(ch, f);
    f.convertTo(m, CV_8U, 255);
  }
  if (m.channels() == 1 && channels == 3) cv::cvtColor(m, m, cv::COLOR_GRAY2RGB);
  else if (m.channels() == 3 && channels == 3) cv::cvtColor(m, m, cv::COLOR_BGR2RGB);
  else if (m.channels() == 3 && channels == 1) cv::cvtColor(m, m, cv::COLOR_BGR2GRAY);
  const int side = std::min(m.rows, m.cols);
  m = m(cv::Rect((m.cols - side) / 2, (m.rows - side) / 2, side, side)).clone();
  cv::resize(m, m, cv::Size(size, size), 0, 0, side > size ? cv::INTER_AREA : cv::INTER_CUBIC);
  return m;
}
#endif

namespace {

ImageSet load_folder(const ImageDataSpec& spec) {
#ifndef WEFT_OPENCV
  throw Error("this build has no OpenCV, so it cannot read image folders", spec.source);
#else
  const fs::path root(spec.source);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw Error("not a folder (and not \"fashion-mnist\")", spec.source);
  // Classes: sub-folders in name order; loose files in the root make one more class named after the folder.
  std::vector<std::pair<std::string, std::vector<fs::path>>> classes;
  std::vector<fs::path> loose;
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(root, ec)) entries.push_back(e.path());
  std::sort(entries.begin(), entries.end());
  ImageSet set;
  for (const auto& p : entries) {
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> files;
      for (const auto& e : fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec))
        if (e.is_regular_file(ec)) files.push_back(e.path());
      std::sort(files.begin(), files.end());
      if (!files.empty()) classes.emplace_back(p.filename().string(), std::move(files));
    } else if (fs::is_regular_file(p, ec)) {
      loose.push_back(p);
    }
  }
  if (!loose.empty()) classes.emplace_back(root.filename().string(), std::move(loose));
  std::vector<std::pair<fs::path, int>> files;
  for (size_t c = 0; c < classes.size(); ++c)
    for (const auto& f : classes[c].second) {
      if (looks_like_image(f)) files.emplace_back(f, int(c));
      else set.skipped.push_back(f.string() + ": not a picture file (extension)");
    }
  const auto pick = even_pick(static_cast<int64_t>(files.size()), spec.limit);
  const int64_t bytes_each = int64_t(spec.channels) * spec.size * spec.size;
  if (int64_t(pick.size()) * bytes_each > (int64_t(2) << 30))
    throw Error(std::to_string(pick.size()) + " pictures of " + std::to_string(spec.size) + " px need more than 2 GB; "
                "use a limit", spec.source);
  std::vector<at::Tensor> images;
  std::vector<int64_t> labels;
  for (int64_t i : pick) {
    const auto& [path, label] = files[size_t(i)];
    cv::Mat m = read_picture(path, spec.size, spec.channels);
    if (m.empty()) {
      set.skipped.push_back(path.string() + ": cannot be decoded as a picture");
      continue;
    }
    auto t = torch::from_blob(m.data, {spec.size, spec.size, spec.channels}, torch::kUInt8).permute({2, 0, 1}).clone();
    images.push_back(t);
    labels.push_back(label);
  }
  if (images.empty()) throw Error("no readable pictures found (" + std::to_string(set.skipped.size()) + " files skipped)", spec.source);
  std::vector<std::string> names;
  for (const auto& c : classes) names.push_back(c.first);
  keep_used_classes(set, names, std::move(labels));
  set.images = torch::stack(images);
  set.description = "folder " + root.filename().string() + ", " + std::to_string(set.count()) + " pictures, " +
                    std::to_string(set.class_names.size()) + " classes" +
                    (set.skipped.empty() ? "" : ", " + std::to_string(set.skipped.size()) + " files skipped");
  return set;
#endif
}

}  // namespace

std::string fashion_mnist_dir() {
  const char* env = std::getenv("WEFT_FASHION_MNIST_DIR");
  return env && *env ? env : "/usr/share/datasets/fashion-mnist";
}

const std::vector<std::string>& fashion_mnist_classes() {
  static const std::vector<std::string> names{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                              "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

ImageSet load_image_set(const ImageDataSpec& spec) {
  if (spec.size < 8 || spec.size > 1024) throw Error("picture size must be between 8 and 1024 px", spec.source);
  if (spec.channels != 1 && spec.channels != 3) throw Error("channels must be 1 or 3", spec.source);
  if (spec.limit < 0) throw Error("limit must be 0 (all) or positive", spec.source);
  if (spec.source == "fashion-mnist" || spec.source == "fashion-mnist:train") return load_fashion_mnist(spec, false);
  if (spec.source == "fashion-mnist:test") return load_fashion_mnist(spec, true);
  if (spec.source == "moving-shapes-frames" || spec.source == "moving-shapes-frames:train" ||
      spec.source == "moving-shapes-frames:test")
    return moving_shapes_frames(spec.source == "moving-shapes-frames:test", spec.limit, spec.size, spec.channels, 0);
  if (spec.source == "noto-emoji" || spec.source == "noto-emoji:train" || spec.source == "noto-emoji:test")
    return noto_emoji_pictures(spec.source == "noto-emoji:test", spec.limit, spec.size, spec.channels);
  return load_folder(spec);
}

void keep_used_classes(ImageSet& set, const std::vector<std::string>& names, std::vector<int64_t> labels) {
  std::vector<int64_t> remap(names.size(), -1);
  for (int64_t l : labels) remap[size_t(l)] = 0;
  set.class_names.clear();
  for (size_t c = 0; c < names.size(); ++c)
    if (remap[c] == 0) {
      remap[c] = static_cast<int64_t>(set.class_names.size());
      set.class_names.push_back(names[c]);
    }
  for (auto& l : labels) l = remap[size_t(l)];
  set.labels = torch::tensor(labels, torch::kLong);
}

bool is_builtin_source(const std::string& source) {
  const std::string base = source.substr(0, source.find(':'));
  return base == "fashion-mnist" || base == "moving-shapes" || base == "moving-shapes-frames" || base == "noto-emoji";
}

std::string builtin_test_split(const std::string& source) { return source.substr(0, source.find(':')) + ":test"; }

at::Tensor to_unit_range(const at::Tensor& images_u8) { return images_u8.to(torch::kFloat).div(127.5).sub(1.0); }

}  // namespace weft::image
