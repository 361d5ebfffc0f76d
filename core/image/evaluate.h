#pragma once
// Job: judge an image model with a classifier trained on the same data (classifier.h): class-consistency of
// generated pictures (share classified as the class asked for) and the Fréchet distance of their classifier
// features to held-out real pictures, next to two reference distances that bound what a model can reach —
// real training pictures (the data's own floor) and the tokenizer's reconstructions of them.
// Video models are judged the same way with a clip classifier (frames stacked in its channels), plus temporal
// consistency — the mean absolute change between consecutive frames, generated vs real — and, given a picture
// model trained on the same classes (`baseline`), the same figures for clips made of independently generated
// frames.
#include <cstdint>
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "common/json_io.h"
#include "common/progress_sink.h"

namespace weft::image {

struct ImageEvalRequest {
  std::string model;                          // model JSON
  std::string classifier;                     // empty → classifier.safetensors next to the model
  std::string reference = "fashion-mnist:test";  // held-out real pictures (video: e.g. "moving-shapes:test")
  int reference_limit = 0;                    // use at most this many reference pictures (0 = all)
  std::string train_data = "fashion-mnist";   // for the reference distances; empty → skip them
  std::string baseline;                       // video only: a picture model for the per-frame baseline (optional)
  int per_class = 100;                        // generated pictures per class
  double cfg = 1.5;
  int top_k = 0;
  double top_p = 0.0;
  std::uint64_t seed = 0;
  int batch = 50;
  int threads = 1;

  Json to_json() const;
  static ImageEvalRequest from_json(const Json&);
  void validate() const;
};

struct ImageEvalResult {
  ImageEvalRequest request;
  int samples = 0;
  double class_consistency = 0;               // over all generated pictures
  std::vector<double> per_class;              // per class
  std::vector<std::string> class_names;
  double frechet = 0;                         // generated vs reference
  double frechet_real = -1;                   // real training pictures vs reference (same count)
  double frechet_reconstructed = -1;          // tokenizer reconstructions of those vs reference
  double reconstructed_class_consistency = -1;  // share of those reconstructions classified as their own class
  double classifier_accuracy = 0;             // on the reference pictures
  double ms_per_image = 0;                    // sampling time, previews off (video: per clip)
  // Video models only (frames > 0):
  int frames = 0;
  double frame_change = -1, frame_change_real = -1;  // mean |x_{t+1} − x_t| in [0, 1] pixel units
  double frame_change_reconstructed = -1;     // the same of the tokenizer's reconstructions (with train_data)
  // Motion in steps: mean change at the steps that cross from one latent frame group to the next, over the
  // mean change at steps inside a group (frame_group > 1 only). Real clips move evenly (≈ 1); a tokenizer or
  // transformer that freezes each group shows a large ratio.
  int frame_group = 1;
  double step_ratio = -1, step_ratio_real = -1, step_ratio_reconstructed = -1;
  double baseline_class_consistency = -1, baseline_frechet = -1, baseline_frame_change = -1;
  double baseline_ms_per_clip = -1;
  double seconds = 0;

  Json to_json() const;
  std::string table() const;                  // a short human-readable report
};

ImageEvalResult evaluate_image_model(const ImageEvalRequest&, ProgressSink&, const CancelToken&);

}  // namespace weft::image
