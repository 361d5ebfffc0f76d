#pragma once
// Training images for the tokenizer, the transformer and the evaluation classifier, all as one in-memory set of
// square 8-bit pictures with class labels. Sources:
//   "fashion-mnist" / "fashion-mnist:test"  Debian's dataset-fashion-mnist (IDX files, 28×28 grey, 10 classes),
//                                           padded to the model size (black border, as the data's background)
//   "moving-shapes-frames[:test]"           single frames of the synthetic clips (clip_data.h), 12 classes
//   "noto-emoji[:test]"                     Noto Color Emoji by theme, 10 classes (emoji_data.h)
//   a folder                                sub-folders are classes (files directly inside form one class);
//                                           pictures are centre-cropped to a square and resized; files that do not
//                                           decode are reported in `skipped` and left out, never fatal
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace weft::image {

struct ImageDataSpec {
  std::string source = "fashion-mnist";
  int size = 32;      // output pictures are size × size
  int channels = 3;   // 1 or 3 (grey is replicated)
  int limit = 0;      // keep at most this many pictures (0 = all); picked evenly across the file order
};

struct ImageSet {
  at::Tensor images;  // (N, channels, size, size) uint8
  at::Tensor labels;  // (N) int64
  std::vector<std::string> class_names;
  std::vector<std::string> skipped;  // "path: reason" for every file left out
  std::string description;           // e.g. "Fashion-MNIST train split, 60000 pictures, 10 classes"

  int64_t count() const { return images.defined() ? images.size(0) : 0; }
};

// Default folder of the Debian package; WEFT_FASHION_MNIST_DIR overrides.
std::string fashion_mnist_dir();
const std::vector<std::string>& fashion_mnist_classes();

// Throws weft::Error (naming the file) for missing or malformed data, or a folder without any usable picture.
ImageSet load_image_set(const ImageDataSpec& spec);

// A built-in source ("fashion-mnist", "moving-shapes…", "noto-emoji", with or without a ":split" suffix) has its
// own held-out split, named builtin_test_split(source); a folder has none (callers hold out a seeded share).
bool is_builtin_source(const std::string& source);
std::string builtin_test_split(const std::string& source);

// Folder loaders: keeps only the classes that kept at least one item, renumbered densely in the order of `names`,
// and sets set.class_names and set.labels from the per-item labels (indices into `names`).
void keep_used_classes(ImageSet& set, const std::vector<std::string>& names, std::vector<int64_t> labels);

// uint8 pictures → float in [-1, 1], the tokenizer's input range.
at::Tensor to_unit_range(const at::Tensor& images_u8);

}  // namespace weft::image
