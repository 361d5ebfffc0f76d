#include "common/inspect_job.h"

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "common/pth_reader.h"
#include "common/safetensors.h"

namespace weft {

namespace {

bool looks_like_zip(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[2] = {0, 0};
  in.read(magic, 2);
  return in.gcount() == 2 && magic[0] == 'P' && magic[1] == 'K';
}

std::string describe(const PyValue& v, int depth = 0) {
  using K = PyValue::Kind;
  switch (v.kind) {
    case K::Dict: {
      size_t tensors = 0;
      for (const auto& e : v.entries) tensors += e.second.kind == K::Tensor;
      if (tensors == v.entries.size()) return "dict of " + std::to_string(tensors) + " tensors";
      std::string s = "dict of " + std::to_string(v.entries.size()) + " entries";
      if (depth == 0) {
        s += " (";
        for (size_t i = 0; i < v.entries.size() && i < 6; ++i) {
          const auto& key = v.entries[i].first;
          s += (i ? ", " : "") + (key.kind == K::Str ? key.text : key.kind_name()) + ": " +
               describe(v.entries[i].second, depth + 1);
        }
        s += v.entries.size() > 6 ? ", ...)" : ")";
      }
      return s;
    }
    case K::List:
    case K::Tuple: {
      std::string s = v.kind_name() + " of " + std::to_string(v.items.size());
      if (depth == 0) {
        s += " (";
        for (size_t i = 0; i < v.items.size() && i < 8; ++i) s += (i ? ", " : "") + describe(v.items[i], depth + 1);
        s += v.items.size() > 8 ? ", ...)" : ")";
      }
      return s;
    }
    case K::Tensor: return "tensor " + shape_string(v.tensor->shape);
    case K::Int: return std::to_string(v.integer);
    case K::Str: return "\"" + v.text.substr(0, 24) + (v.text.size() > 24 ? "...\"" : "\"");
    default: return v.kind_name();
  }
}

}  // namespace

Json InspectRequest::to_json() const { return {{"path", path}}; }
InspectRequest InspectRequest::from_json(const Json& j) { return {json_require<std::string>(j, "path")}; }

InspectResult run_inspect(const InspectRequest& req, ProgressSink& sink, const CancelToken& cancel) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(req.path, ec)) throw Error("no such file", req.path);
  if (!fs::is_regular_file(req.path, ec)) throw Error("not a regular file", req.path);
  InspectResult res;
  res.request = req;
  res.file_bytes = fs::file_size(req.path, ec);
  sink.progress(0.0, "reading header");
  NamedTensors tensors;
  if (looks_like_zip(req.path)) {
    res.format = "PyTorch zip (torch.save)";
    PyValue root = read_pth(req.path, PthOptions{false});  // shapes only: inspecting never reads the storages
    res.structure = describe(root);
    tensors = flatten_tensors(root);
  } else {
    res.format = "safetensors";
    auto file = read_safetensors(req.path, false);
    tensors = std::move(file.tensors);
    res.structure = "safetensors with " + std::to_string(tensors.size()) + " tensors" +
                    (file.metadata.empty() ? "" : ", " + std::to_string(file.metadata.size()) + " metadata entries");
  }
  cancel.throw_if_stopped();
  for (const auto& nt : tensors) {
    res.tensors.push_back({nt.name, std::string(dtype_name(nt.tensor.dtype)), nt.tensor.shape, nt.tensor.nbytes()});
    res.total_bytes += nt.tensor.nbytes();
  }
  sink.progress(1.0, "done");
  return res;
}

Json InspectResult::to_json() const {
  Json j = result_metadata("inspect", request.to_json());
  j["format"] = format;
  j["structure"] = structure;
  j["total_bytes"] = total_bytes;
  j["file_bytes"] = file_bytes;
  Json list = Json::array();
  for (const auto& t : tensors) list.push_back({{"name", t.name}, {"dtype", t.dtype}, {"shape", t.shape}, {"bytes", t.bytes}});
  j["tensors"] = list;
  return j;
}

std::string InspectResult::to_table() const {
  size_t wname = 4;
  for (const auto& t : tensors) wname = std::max(wname, t.name.size());
  std::ostringstream s;
  s << request.path << "\n  format: " << format << "\n  content: " << structure << "\n\n";
  s << "  " << std::left << std::setw(int(wname)) << "name" << "  " << std::setw(5) << "dtype" << "  "
    << std::setw(20) << "shape" << std::right << std::setw(12) << "bytes" << "\n";
  for (const auto& t : tensors)
    s << "  " << std::left << std::setw(int(wname)) << t.name << "  " << std::setw(5) << t.dtype << "  "
      << std::setw(20) << shape_string(t.shape) << std::right << std::setw(12) << t.bytes << "\n";
  s << "\n  " << tensors.size() << " tensors, " << total_bytes << " bytes of tensor data (file " << file_bytes
    << " bytes)\n";
  return s.str();
}

Json ConvertRequest::to_json() const { return {{"input", input}, {"output", output}}; }

ConvertResult run_convert(const ConvertRequest& req, ProgressSink& sink, const CancelToken& cancel) {
  sink.progress(0.0, "reading " + req.input);
  NamedTensors tensors = read_tensor_file(req.input, true);
  cancel.throw_if_stopped();
  // Two tensors with the same flattened name would silently shadow each other in the output.
  std::map<std::string, int> seen;
  for (const auto& nt : tensors)
    if (seen[nt.name]++) throw Error("two tensors would both be named \"" + nt.name + "\"", req.input);
  sink.progress(0.5, "writing " + req.output);
  std::map<std::string, std::string> meta{{"source", std::filesystem::path(req.input).filename().string()},
                                          {"converted_by", "weft " + weft_version()}};
  write_safetensors(req.output, tensors, meta);
  ConvertResult res;
  res.request = req;
  res.tensors = tensors.size();
  for (const auto& nt : tensors) res.bytes += nt.tensor.nbytes();
  sink.progress(1.0, "done");
  return res;
}

}  // namespace weft
