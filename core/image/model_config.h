#pragma once
// Sizes of the two VAR networks, as plain data with JSON. Field names follow the official constructors
// (FoundationVision/VAR `VQVAE`, `VAR`), so a config can be read off a checkpoint's provenance.
#include <optional>
#include <string>
#include <vector>

#include "common/json_io.h"

namespace weft::image {

struct VqvaeConfig {
  int vocab_size = 4096;         // V: entries of the ONE codebook shared by all scales
  int z_channels = 32;           // Cvae
  int ch = 160;                  // base width of encoder/decoder
  std::vector<int> ch_mult{1, 1, 2, 2, 4};  // one level per entry; 2^(levels-1) downsampling
  int num_res_blocks = 2;        // per encoder level; the decoder uses one more (as the official code)
  int in_channels = 3;
  bool using_sa = true;          // self-attention at the lowest resolution
  bool using_mid_sa = true;      // self-attention in the mid block
  int share_quant_resi = 4;      // φ convs shared over the scales; 0 = one per scale
  double quant_resi = 0.5;       // φ(h) = (1-r)·h + r·conv(h)
  int quant_conv_ks = 3;

  int downsample() const { return 1 << (static_cast<int>(ch_mult.size()) - 1); }
};

struct VarConfig {
  int num_classes = 1000;  // class num_classes is "unconditional" (CFG)
  int depth = 16;
  int embed_dim = 0;       // 0 → 64·depth (official factory)
  int num_heads = 0;       // 0 → depth
  double mlp_ratio = 4.0;
  double norm_eps = 1e-6;
  bool attn_l2_norm = true;
  bool shared_aln = false;
  // Baseline for the next-scale claim: the same network and tokens, but predicted one token at a time in raster
  // order (scale by scale, row by row) under a token-causal mask; the input of token t is the code of token t−1.
  // JSON "order": "raster" (absent = next-scale, the official model).
  bool raster = false;

  int width() const { return embed_dim > 0 ? embed_dim : 64 * depth; }
  int heads() const { return num_heads > 0 ? num_heads : depth; }
};

// Video: time is a third axis of the same pyramid. Scale k is a (t_k, pn_k, pn_k) grid of tokens, and t and pn grow
// together, so the coarse scales settle the whole clip's layout and motion before any detail (an alternative,
// clips each with their own spatial pyramid attending to earlier clips, decides the first clip in full before the
// motion that follows it). The tokenizer folds `frame_group` consecutive frames into the channels of one latent
// frame, so the image encoder/decoder are reused unchanged: it sees 3·frame_group input channels.
struct VideoConfig {
  int frames = 0;                // frames per clip; 0 = an image model
  int frame_group = 1;           // frames per latent frame (temporal compression)
  std::vector<int> time_nums;    // latent frames at each scale (non-decreasing, last = frames / frame_group)
  double fps = 8;                // playback rate of generated clips

  bool enabled() const { return frames > 0; }
  int latent_frames() const { return frame_group > 0 ? frames / frame_group : 0; }
};

// The pair that works together: the transformer predicts the tokenizer's codes over `patch_nums`.
struct ModelConfig {
  std::vector<int> patch_nums{1, 2, 3, 4, 5, 6, 8, 10, 13, 16};
  VqvaeConfig vqvae;
  VarConfig var;
  VideoConfig video;                     // frames 0: pictures
  std::vector<std::string> class_names;  // optional, for pickers and file names

  bool is_video() const { return video.enabled(); }
  int scale_frames(int si) const { return is_video() ? video.time_nums[si] : 1; }  // t_k (1 for pictures)
  int scale_tokens(int si) const { return scale_frames(si) * patch_nums[si] * patch_nums[si]; }
  int tokens() const;                    // L = Σ t·pn²
  int image_size() const { return patch_nums.empty() ? 0 : patch_nums.back() * vqvae.downsample(); }
  void validate(const std::string& where) const;  // throws weft::Error for impossible sizes

  Json to_json() const;
  static ModelConfig from_json(const Json&, const std::string& where = "model config");
};

// The sampling a model card measured its best figures with: model.json "recommended" {"cfg", "top_k", "top_p"}.
// Front-ends start from it (flags the user gives win). Absent: nullopt; bad values: Error naming the key.
struct SamplingSettings {
  double cfg = 1.5;
  int top_k = 0;
  double top_p = 0;
};
std::optional<SamplingSettings> recommended_sampling(const Json& model_json, const std::string& where);

}  // namespace weft::image
