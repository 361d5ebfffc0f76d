#pragma once
// Results on disk, the same for every front-end: PNGs carrying the job's metadata (tEXt "weft" = the result's JSON,
// so a dropped or `--from` file repeats the job), written atomically, and a sink that saves each scale's preview.
#include <string>
#include <vector>

#include "common/json_io.h"
#include "common/progress_sink.h"
#include "image/generate.h"

namespace weft::image {

// Writes the PNG atomically with tEXt "weft" = metadata (authoritative) and, when the metadata holds a generate or
// edit request, an A1111-style tEXt "parameters" line (see parameters_text) that other tools and viewers show.
void save_png(const std::string& path, const PreviewImage& img, const Json& metadata);
// Writes <folder>/<stem>_<i>.png for every image (metadata + "index"); returns the paths.
std::vector<std::string> save_result(const GenerateResult& res, const std::string& folder, const std::string& stem);
// The {"version", "job", "request"} block of a PNG written by save_png; throws Error when there is none.
Json read_png_metadata(const std::string& path);

// The A1111-style one-line summary of a result's metadata ({"weft": {"job", "request"}}), e.g.
//   "class: T-shirt, Steps: 6 scales, Seed: 7, CFG scale: 1.5, Top-k: 900, Top-p: 0.96, Size: 32x32, Model: fashion"
// Class names and the scale count come from the model JSON when it can be read (else "class: 3", no Steps); an
// edit adds "Edit: inpaint|outpaint". "" when the metadata holds no image request. Latin-1 only (tEXt): other
// characters become '?'. Informational: the "weft" JSON is what repeats a job.
std::string parameters_text(const Json& metadata, int width = 0, int height = 0);
// The model's display name: the folder of a ".../<name>/model.json", else the file's base name.
std::string model_display_name(const std::string& model_path);

// Reads back what parameters_text wrote (or an A1111 line from elsewhere), best effort: the keys found among
// "class" (text), "seed", "cfg", "top_k", "top_p", "model" (text). Unknown keys are skipped.
Json parse_parameters_text(const std::string& text);

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
