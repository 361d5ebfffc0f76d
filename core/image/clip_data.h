#pragma once
// Training clips for video models: an ImageSet whose `images` are (N, T, C, S, S) uint8. Sources:
//   "moving-shapes" / "moving-shapes:test"  synthetic, seeded: one circle, square or triangle of a random bright
//                                           colour on a dark background moving right, left, up or down at a
//                                           random speed (12 classes = shape × direction). The training clips
//                                           follow the request's seed; the test clips are one fixed stream.
//   a folder                                sub-folders are classes; in them every video file (decoded by OpenCV's
//                                           FFmpeg backend) and every folder of frame pictures (name order) is one
//                                           clip; T frames are taken from the middle, evenly spaced (stride ≤ 4).
//                                           Files that do not decode or clips shorter than T frames are reported
//                                           in `skipped` and left out, never fatal.
#include <cstdint>
#include <string>
#include <vector>

#include "image/image_data.h"

namespace weft::image {

struct ClipDataSpec {
  std::string source = "moving-shapes";
  int frames = 16;
  int size = 32;
  int channels = 3;
  int limit = 0;            // at most this many clips (0 = all; synthetic: 8000 train, 1000 test)
  std::uint64_t seed = 0;   // synthetic training clips
};

const std::vector<std::string>& moving_shapes_classes();

// One synthetic clip (T, C, S, S) uint8 of class `label` (shape = label / 4, direction = label % 4), drawn from
// `seed` alone: the same seed gives the same clip.
at::Tensor moving_shapes_clip(int label, std::uint64_t seed, int frames, int size, int channels);

// Single frames of synthetic clips ("moving-shapes-frames[:test]" as a picture source, for the per-frame
// baseline): one frame at a seeded random time from each clip of the same streams, labelled with the clip's class.
ImageSet moving_shapes_frames(bool test, int count, int size, int channels, std::uint64_t seed);

// Throws weft::Error (naming the source) for impossible specs or a folder without any usable clip.
ImageSet load_clip_set(const ClipDataSpec& spec);

}  // namespace weft::image
