#pragma once
// Shared by the generate and edit jobs (internal to weft_image): the batched sampling loop with previews, progress
// and cancel checks. `prepare` runs once the model is loaded and returns a per-batch hook that adjusts the
// sampler options for a batch of n images (editing adds the kept tokens and the mask there).
#include <functional>

#include "image/generate.h"
#include "image/model_io.h"

namespace weft::image {

struct ImageModel;
struct SampleOptions;

namespace detail {

using PrepareBatch = std::function<std::function<void(SampleOptions&, int n)>(ImageModel&)>;
GenerateResult run_sampling_job(const GenerateRequest&, ProgressSink&, const CancelToken&, const PrepareBatch& prepare,
                                MediaKind kind);

}  // namespace detail
}  // namespace weft::image
