#pragma once
// Next-scale sampling (the official autoregressive_infer_cfg, own code): KV cache, classifier-free guidance with
// the linear ramp t = cfg·k/(K−1), top-k / top-p, multinomial draws from a caller-supplied CPU generator.
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace weft::image {

class VarImpl;
class VqvaeImpl;

struct SampleOptions {
  std::vector<int64_t> labels;  // one per image; < 0 → unconditional
  double cfg = 1.5;
  int top_k = 0;                // 0 = off
  double top_p = 0.0;           // 0 = off
  bool record_logits = false;   // keep the guided logits of every scale (tests, analysis)

  // Zero-shot editing (in-/out-painting, as the official edit demo): the tokens of an existing image are
  // teacher-forced wherever `keep_mask` (h×w at latent size, or B×h×w; 1 = keep) resized bilinearly to a scale
  // exceeds 0.5; scales of at most 3 tokens are kept whole. Empty = plain generation.
  std::vector<at::Tensor> keep_tokens;  // per scale (B, pn²) int64, e.g. VqvaeImpl::img_to_idx of the image
  at::Tensor keep_mask;
};

struct SampleTrace {
  std::vector<at::Tensor> idx;     // per scale (B, pn²)
  std::vector<at::Tensor> logits;  // per scale (B, pn², V) guided logits before top-k/top-p (if recorded)
  at::Tensor f_hat;                // final (B, Cvae, h, w)
  at::Tensor image;                // decoded, in [0, 1], (B, 3, H, W)
};

// Called after scale `si` was added to f̂ (f̂ is the running sum, full latent size). May throw to stop.
using ScaleCallback = std::function<void(int si, const at::Tensor& f_hat)>;

SampleTrace sample(VarImpl& var, VqvaeImpl& vae, const SampleOptions& opts, at::Generator& gen,
                   const ScaleCallback& after_scale = {});

// The official sample_with_top_k_top_p_: masks `logits` (B, l, V) in place, returns (B, l) indices.
at::Tensor sample_top_k_top_p(at::Tensor& logits, int top_k, double top_p, at::Generator& gen);

}  // namespace weft::image
