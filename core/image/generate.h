#pragma once
// Job: class-conditional image (or clip) generation with a VAR model, the same for the GUI, the CLI and the tests.
// Light header (no LibTorch): results are 8-bit pixels, the request is plain data with JSON.
#include <cstdint>
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "common/json_io.h"
#include "common/progress_sink.h"

namespace weft::image {

enum class PreviewMode {
  None,  // no previews
  Full,  // decode the running f̂ after every scale (exact, one decoder pass per scale)
  Fast,  // a least-squares linear latent→RGB map at latent resolution (no decoder pass per scale)
};
const char* preview_mode_name(PreviewMode);
PreviewMode preview_mode_from_name(const std::string&);  // throws Error for unknown names

struct GenerateRequest {
  std::string model;          // model JSON (see model_io.h)
  int class_id = 0;           // < 0 → unconditional
  std::uint64_t seed = 0;
  double cfg = 1.5;           // guidance at the last scale; ramps linearly from 0 at the first
  int top_k = 900;            // 0 = off
  double top_p = 0.96;        // 0 = off
  int count = 1;
  int batch = 8;              // images sampled together (memory/speed trade-off)
  PreviewMode preview = PreviewMode::Full;
  int threads = 1;            // intra-op threads; 1 is fastest for small models on a loaded CPU

  Json to_json() const;
  static GenerateRequest from_json(const Json&);
  void validate() const;  // throws Error for impossible requests (model-dependent checks happen in generate)
};

struct GenerateResult {
  GenerateRequest request;
  std::vector<PreviewImage> images;                      // RGB, count of them (fewer when cancelled after a batch)
  std::vector<std::vector<PreviewImage>> clips;          // video models: the frames of each clip (images empty)
  double fps = 0;                                        // video models: the model's playback rate
  std::vector<std::vector<std::vector<int>>> tokens;     // per image, per scale, the sampled codes
  double seconds = 0.0;
  double preview_seconds = 0.0;  // time spent making previews (to measure their overhead)
  std::string job = "image-generate";
  Json job_request;  // the full request of a derived job (image-edit); null → request.to_json()

  Json to_json() const;  // result_metadata(job, request) + timings
};

GenerateResult generate(const GenerateRequest&, ProgressSink&, const CancelToken&);
// The same job for a video model (model.json with "video"): clips instead of pictures; previews show one strip of
// frames per clip of the batch after every scale. A picture model is refused, as generate() refuses video models.
GenerateResult generate_video(const GenerateRequest&, ProgressSink&, const CancelToken&);

}  // namespace weft::image
