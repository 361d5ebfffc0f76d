#include "image/result_files.h"

#include <cstdio>
#include <filesystem>

#include "common/atomic_file.h"
#include "image/png_io.h"

namespace weft::image {

namespace {
void make_folder(const std::string& folder) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (!std::filesystem::is_directory(folder)) throw Error("cannot create the folder", folder);
}
}  // namespace

void save_png(const std::string& path, const PreviewImage& img, const Json& metadata) {
  // ASCII-escaped JSON: tEXt chunks are Latin-1, and model paths may not be.
  const auto png = encode_png(img, {{"weft", metadata.dump(-1, ' ', true)}});
  write_file_atomic(path, std::string_view(reinterpret_cast<const char*>(png.data()), png.size()));
}

std::vector<std::string> save_result(const GenerateResult& res, const std::string& folder, const std::string& stem) {
  make_folder(folder);
  std::vector<std::string> paths;
  for (size_t i = 0; i < res.images.size(); ++i) {
    auto meta = res.to_json();
    meta["index"] = i;
    paths.push_back((std::filesystem::path(folder) / (stem + "_" + std::to_string(i) + ".png")).string());
    save_png(paths.back(), res.images[i], meta);
  }
  return paths;
}

Json read_png_metadata(const std::string& path) {
  const std::string bytes = read_file(path);
  const auto text = read_png_text(std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
  auto it = text.find("weft");
  if (it == text.end()) throw Error("no Weft metadata in this PNG", path);
  const Json j = parse_json(it->second, path);
  if (!j.contains("weft") || !j.at("weft").is_object()) throw Error("the Weft metadata has no \"weft\" block", path);
  return j.at("weft");
}


StepsSaver::StepsSaver(ProgressSink& inner, std::string folder) : inner_(inner), folder_(std::move(folder)) {
  make_folder(folder_);
}

void StepsSaver::preview(const Preview& p) {
  inner_.preview(p);
  char name[64];
  std::snprintf(name, sizeof name, "step_%03d_scale_%02d_of_%02d.png", count_++, p.step + 1, p.steps);
  save_png((std::filesystem::path(folder_) / name).string(), p.image, Json{{"label", p.label}});
}

}  // namespace weft::image
