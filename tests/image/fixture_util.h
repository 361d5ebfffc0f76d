#pragma once
// Shared by the image tests: the fixture's model config and named reference tensors. Include after torch.
#include <map>
#include <string>

#include "common/safetensors.h"
#include "common/torch_bridge.h"
#include "image/model_config.h"

namespace weft::image::test {

inline std::string fixture(const std::string& rel) { return std::string(WEFT_SHARED_DIR) + "/fixtures/var/" + rel; }

// The configuration the fixture generator used (fixtures/README.md, var section).
inline ModelConfig fixture_config() {
  ModelConfig c;
  c.patch_nums = {1, 2, 3, 4};
  c.vqvae.vocab_size = 64;
  c.vqvae.z_channels = 8;
  c.vqvae.ch = 32;
  c.vqvae.ch_mult = {1, 1, 1, 1, 1};
  c.vqvae.num_res_blocks = 1;
  c.var.num_classes = 10;
  c.var.depth = 2;
  c.var.embed_dim = 32;
  c.var.num_heads = 2;
  return c;
}

inline std::map<std::string, torch::Tensor> read_io(const std::string& rel) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& nt : read_safetensors(fixture(rel)).tensors) out[nt.name] = to_torch(nt.tensor);
  return out;
}

inline double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

}  // namespace weft::image::test
