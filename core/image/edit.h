#pragma once
// Job: zero-shot in-/out-painting with a VAR model (the VAR paper's editing): the picture is tokenized, its
// tokens are kept wherever the mask says so and teacher-forced scale by scale, the rest is sampled for the class.
#include <string>

#include "image/generate.h"

namespace weft::image {

struct EditRequest {
  GenerateRequest generate;  // model, class, seed, cfg, top-k/p, count, preview
  std::string image;         // any format OpenCV reads; centre-cropped to a square, resized to the model's size
  std::string mask;          // optional mask picture: white = keep, black = repaint (resized to the latent grid)
  // Without a mask picture: the box to repaint (inpaint) or to keep (outpaint), as fractions of the image.
  double x0 = 0.25, y0 = 0.25, x1 = 0.75, y1 = 0.75;
  bool outpaint = false;

  Json to_json() const;
  static EditRequest from_json(const Json&);
  void validate() const;
};

// result.job = "image-edit", result.job_request = the EditRequest, so a saved result repeats the edit.
GenerateResult edit(const EditRequest&, ProgressSink&, const CancelToken&);

}  // namespace weft::image
