#pragma once
// Results on disk, the same for every front-end: PNGs carrying the job's metadata (tEXt "weft" = the result's JSON,
// so a dropped or `--from` file repeats the job), written atomically, and a sink that saves each scale's preview.
#include <string>
#include <vector>

#include "common/json_io.h"
#include "common/progress_sink.h"
#include "image/generate.h"

namespace weft::image {

void save_png(const std::string& path, const PreviewImage& img, const Json& metadata);
// Writes <folder>/<stem>_<i>.png for every image (metadata + "index"); returns the paths.
std::vector<std::string> save_result(const GenerateResult& res, const std::string& folder, const std::string& stem);
// The {"version", "job", "request"} block of a PNG written by save_png; throws Error when there is none.
Json read_png_metadata(const std::string& path);

// Forwards everything to `inner` and also saves each preview as <folder>/step_NNN_scale_KK_of_KK.png.
class StepsSaver final : public ProgressSink {
 public:
  StepsSaver(ProgressSink& inner, std::string folder);  // creates the folder
  void progress(double f, std::string_view stage) override { inner_.progress(f, stage); }
  void log(std::string_view line) override { inner_.log(line); }
  void preview(const Preview& p) override;

 private:
  ProgressSink& inner_;
  std::string folder_;
  int count_ = 0;
};

}  // namespace weft::image
