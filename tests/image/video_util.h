#pragma once
// A small video model with seeded random weights, written as a model folder: enough to test the pyramid, the
// sampler, previews, exports and the GUI without training (the shipped model is tested separately).
#include <torch/torch.h>

#include <fstream>
#include <string>

#include "common/safetensors.h"
#include "common/torch_bridge.h"
#include "image/model_config.h"
#include "image/var_model.h"
#include "image/vqvae.h"

namespace weft::test {

// 8 frames of 16 × 16 px, 2 frames per latent frame, (t, h, w) scales (1,1,1) (2,2,2) (4,4,4) = 73 tokens.
inline image::ModelConfig small_video_config() {
  image::ModelConfig c;
  c.patch_nums = {1, 2, 4};
  c.video.frames = 8;
  c.video.frame_group = 2;
  c.video.time_nums = {1, 2, 4};
  c.video.fps = 6;
  c.vqvae.vocab_size = 64;
  c.vqvae.z_channels = 8;
  c.vqvae.ch = 32;
  c.vqvae.ch_mult = {1, 1, 2};
  c.vqvae.num_res_blocks = 1;
  c.vqvae.using_sa = false;
  c.vqvae.using_mid_sa = false;
  c.var.num_classes = 3;
  c.var.depth = 2;
  c.var.embed_dim = 64;
  c.var.num_heads = 2;
  c.class_names = {"red", "green", "blue"};
  return c;
}

// Writes <folder>/model.json, vae.safetensors, var.safetensors; returns the model.json path.
inline std::string write_random_video_model(const std::string& folder, std::uint64_t seed = 7) {
  const auto cfg = small_video_config();
  torch::manual_seed(seed);
  image::Vqvae vae(cfg);
  image::Var var(cfg);
  write_safetensors(folder + "/vae.safetensors", named_tensors_of(*vae));
  write_safetensors(folder + "/var.safetensors", named_tensors_of(*var));
  auto j = cfg.to_json();
  j["weights"] = {{"vqvae", "vae.safetensors"}, {"var", "var.safetensors"}};
  const std::string path = folder + "/model.json";
  std::ofstream(path) << j.dump(2);
  return path;
}

}  // namespace weft::test
