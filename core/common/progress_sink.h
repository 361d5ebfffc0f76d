#pragma once
// How a job reports back. The CLI prints; the studio's JobRunner turns calls into throttled Qt signals.
// Previews are plain 8-bit pixels so that front-ends never need LibTorch headers.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weft {

struct PreviewImage {
  int width = 0;
  int height = 0;
  int channels = 3;                 // 1 (grey), 3 (RGB) or 4 (RGBA), rows tightly packed
  std::vector<std::uint8_t> pixels;  // width * height * channels bytes
};

struct Preview {
  int step = 0;   // e.g. scale k (0-based) ...
  int steps = 0;  // ... of K
  std::string label;
  PreviewImage image;
};

// One point of a curve a front-end may plot live: e.g. {"train", 1.5, 0.41} is the running training loss half-way
// through epoch 2, {"val", 2, 0.38} the validation MSE after it. Rare (a few per epoch), so never throttled.
struct MetricPoint {
  std::string series;
  double x = 0.0;
  double y = 0.0;
};

class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  // fraction in [0,1]; stage names the current phase ("loading", "scale 3/10", "epoch 2").
  virtual void progress(double fraction, std::string_view stage) = 0;
  virtual void preview(const Preview&) {}
  virtual void log(std::string_view line) { (void)line; }
  virtual void metric(const MetricPoint& point) { (void)point; }
};

// For callers that do not care (tests, nested calls).
class NullSink final : public ProgressSink {
 public:
  void progress(double, std::string_view) override {}
};

}  // namespace weft
