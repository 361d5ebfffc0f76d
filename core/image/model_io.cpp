#include "image/model_io.h"

#include <torch/torch.h>

#include <filesystem>

#include "common/atomic_file.h"
#include "common/pth_reader.h"
#include "common/torch_bridge.h"

namespace weft::image {

void load_weights(torch::nn::Module& module, const std::string& file) {
  // read_tensor_file picks the format by content, so official .pth checkpoints and converted safetensors both work.
  load_into(module, read_tensor_file(file), /*strict=*/true, file);
}

std::shared_ptr<ImageModel> load_image_model(const std::string& json_path, MediaKind want) {
  namespace fs = std::filesystem;
  const Json j = parse_json(read_file(json_path), json_path);
  auto m = std::make_shared<ImageModel>();
  m->path = json_path;
  m->config = ModelConfig::from_json(j, json_path);
  if (m->config.is_video() && want == MediaKind::Pictures)
    throw Error("this is a video model (" + std::to_string(m->config.video.frames) +
                    "-frame clips): use `weft video generate` or the Video tab", json_path);
  if (!m->config.is_video() && want == MediaKind::Clips)
    throw Error("this is a picture model: use `weft image generate` or the Image tab", json_path);
  if (!j.contains("weights") || !j.at("weights").is_object())
    throw Error("missing \"weights\": {\"vqvae\": file, \"var\": file}", json_path);
  const auto& w = j.at("weights");
  const fs::path base = fs::path(json_path).parent_path();
  auto resolve = [&](const char* key) {
    fs::path p = json_require<std::string>(w, key, json_path + ", weights");
    return (p.is_absolute() ? p : base / p).string();
  };
  torch::NoGradGuard no_grad;
  m->vqvae = Vqvae(m->config);
  load_weights(*m->vqvae, resolve("vqvae"));
  m->var = Var(m->config);
  load_weights(*m->var, resolve("var"));
  m->vqvae->eval();
  m->var->eval();
  return m;
}

}  // namespace weft::image
