#include "image/result_files.h"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "common/atomic_file.h"
#include "image/png_io.h"

namespace weft::image {

namespace {
void make_folder(const std::string& folder) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (!std::filesystem::is_directory(folder)) throw Error("cannot create the folder", folder);
}

// UTF-8 → Latin-1 (what a tEXt chunk holds); code points above U+00FF and broken sequences become '?'.
std::string to_latin1(const std::string& utf8) {
  std::string out;
  for (size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (len == 0 || i + len > utf8.size()) {
      out += '?';
      ++i;
      continue;
    }
    unsigned cp = len == 1 ? c : c & (0x7f >> len);
    bool ok = true;
    for (int k = 1; k < len; ++k) {
      const auto d = static_cast<unsigned char>(utf8[i + k]);
      ok = ok && (d >> 6) == 0x2;
      cp = (cp << 6) | (d & 0x3f);
    }
    out += ok && cp <= 0xff ? static_cast<char>(cp) : '?';
    i += ok ? len : 1;
  }
  return out;
}

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

}  // namespace

std::string model_display_name(const std::string& model_path) {
  const std::filesystem::path p(model_path);
  if (p.stem() == "model" && p.has_parent_path() && !p.parent_path().filename().empty())
    return p.parent_path().filename().string();
  return p.stem().string();
}

std::string parameters_text(const Json& metadata, int width, int height) {
  if (!metadata.is_object() || !metadata.contains("weft") || !metadata.at("weft").is_object()) return {};
  const Json& weft = metadata.at("weft");
  const std::string job = weft.value("job", std::string());
  if (!weft.contains("request") || (job != "image-generate" && job != "image-edit")) return {};
  try {
    const Json& request = weft.at("request");
    const GenerateRequest g = GenerateRequest::from_json(job == "image-edit" ? request.at("generate") : request);
    // The model file says what the class is called and how many scales there are; it may be gone (best effort).
    std::vector<std::string> names;
    size_t scales = 0;
    try {
      const Json model = parse_json(read_file(g.model), g.model);
      names = json_get(model, "class_names", names, g.model);
      if (model.contains("patch_nums") && model.at("patch_nums").is_array()) scales = model.at("patch_nums").size();
    } catch (const std::exception&) {
    }
    std::string cls = g.class_id < 0                           ? std::string("unconditional")
                      : size_t(g.class_id) < names.size()      ? names[size_t(g.class_id)]
                                                               : std::to_string(g.class_id);
    std::string line = "class: " + cls;
    if (scales > 0) line += ", Steps: " + std::to_string(scales) + " scales";
    line += ", Seed: " + std::to_string(g.seed) + ", CFG scale: " + number(g.cfg) +
            ", Top-k: " + std::to_string(g.top_k) + ", Top-p: " + number(g.top_p);
    if (width > 0 && height > 0) line += ", Size: " + std::to_string(width) + "x" + std::to_string(height);
    line += ", Model: " + model_display_name(g.model);
    if (job == "image-edit") {
      const bool outpaint = request.value("outpaint", false);
      const bool masked = !request.value("mask", std::string()).empty();
      line += std::string(", Edit: ") + (masked ? "mask" : outpaint ? "outpaint" : "inpaint");
    }
    return to_latin1(line);
  } catch (const std::exception&) {
    return {};  // an odd request: the JSON chunk still carries it
  }
}

Json parse_parameters_text(const std::string& text) {
  // A1111 puts the prompt first and "Key: value, Key: value" on the last line; ours is one such line.
  Json out = Json::object();
  std::string line = text;
  const auto nl = text.find_last_of('\n');
  if (nl != std::string::npos && nl + 1 < text.size()) line = text.substr(nl + 1);
  std::stringstream items(line);
  std::string item;
  while (std::getline(items, item, ',')) {
    const auto colon = item.find(':');
    if (colon == std::string::npos) continue;
    std::string key = trim(item.substr(0, colon)), value = trim(item.substr(colon + 1));
    for (auto& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    try {
      if (key == "class") out["class"] = value;
      else if (key == "model") out["model"] = value;
      else if (key == "seed") out["seed"] = std::stoull(value);
      else if (key == "cfg scale") out["cfg"] = std::stod(value);
      else if (key == "top-k") out["top_k"] = std::stoi(value);
      else if (key == "top-p") out["top_p"] = std::stod(value);
    } catch (const std::exception&) {
      // not a number: skip the key
    }
  }
  return out;
}

void save_png(const std::string& path, const PreviewImage& img, const Json& metadata) {
  // ASCII-escaped JSON: tEXt chunks are Latin-1, and model paths may not be.
  std::map<std::string, std::string> text{{"weft", metadata.dump(-1, ' ', true)}};
  const std::string parameters = parameters_text(metadata, img.width, img.height);
  if (!parameters.empty()) text["parameters"] = parameters;
  const auto png = encode_png(img, text);
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
