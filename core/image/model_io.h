#pragma once
// A generation model on disk: one JSON file holding the ModelConfig plus the two weight files (safetensors or
// PyTorch .pth, official state-dict names), paths relative to the JSON:
//   {"patch_nums": [...], "vqvae": {...}, "var": {...}, "weights": {"vqvae": "vae.safetensors", "var": "var.safetensors"}}
#include <memory>
#include <string>

#include "image/model_config.h"
#include "image/var_model.h"
#include "image/vqvae.h"

namespace weft::image {

struct ImageModel {
  ModelConfig config;
  Vqvae vqvae{nullptr};
  Var var{nullptr};
  std::string path;
};

// Builds both networks from the JSON and loads the weights strictly (every tensor present, shapes equal);
// any mismatch is a weft::Error naming the file and the tensor. The networks are in eval mode. A picture model
// where clips are wanted (or the reverse) is refused with a message that says which front-end takes it.
enum class MediaKind { Pictures, Clips, Any };
std::shared_ptr<ImageModel> load_image_model(const std::string& json_path, MediaKind want = MediaKind::Pictures);
// Strict load of one weight file into a module (exposed for tests and training resume).
void load_weights(torch::nn::Module& module, const std::string& file);

}  // namespace weft::image
