#include "web/paper_dataset.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/pth_reader.h"
#include "common/safetensors.h"

namespace weft::web {

namespace {

// Values of a numeric tensor as doubles (the paper's file is F32/I64; accept the other plain types too).
std::vector<double> tensor_values(const TensorRecord& t, const std::string& what, const std::string& where) {
  if (!t.has_data()) throw Error(what + ": tensor has no data", where);
  const std::size_t n = static_cast<std::size_t>(t.numel());
  std::vector<double> out(n);
  const std::uint8_t* p = t.data.data();
  for (std::size_t i = 0; i < n; ++i) {
    switch (t.dtype) {
      case DType::F32: { float v; std::memcpy(&v, p + 4 * i, 4); out[i] = v; break; }
      case DType::F64: { double v; std::memcpy(&v, p + 8 * i, 8); out[i] = v; break; }
      case DType::I64: { std::int64_t v; std::memcpy(&v, p + 8 * i, 8); out[i] = static_cast<double>(v); break; }
      case DType::I32: { std::int32_t v; std::memcpy(&v, p + 4 * i, 4); out[i] = v; break; }
      default:
        throw Error(what + ": unsupported dtype " + std::string(dtype_name(t.dtype)), where);
    }
  }
  return out;
}

int as_int(const PyValue& v, const std::string& what, const std::string& where) {
  if (v.kind == PyValue::Kind::Int) return static_cast<int>(v.integer);
  throw Error(what + " should be an int, found " + v.kind_name(), where);
}

// Shared by both readers once the raw arrays are in hand: checks shapes and decodes every sample so that a
// bad file is refused at load time, naming the sample, rather than in the middle of training.
WebDataset assemble(const TensorRecord& input, const TensorRecord& y, const std::vector<double>& counts,
                    WebDataset ds, const std::string& where) {
  if (input.shape.size() != 3 || input.shape[2] != kRowWidth)
    throw Error("input should be [N, L, 16], found " + shape_string(input.shape), where);
  const std::int64_t n = input.shape[0], len = input.shape[1];
  if (y.shape.size() != 2 || y.shape[0] != n || y.shape[1] != kNumProperties)
    throw Error("y_data should be [" + std::to_string(n) + ", 7], found " + shape_string(y.shape), where);
  if (static_cast<std::int64_t>(counts.size()) != n)
    throw Error("node_number_list has " + std::to_string(counts.size()) + " entries for " + std::to_string(n) +
                    " samples",
                where);
  if (len < 1 || len > 4096) throw Error("max length " + std::to_string(len) + " is out of range", where);
  ds.max_length = static_cast<int>(len);
  const auto xs = tensor_values(input, "input", where);
  const auto ys = tensor_values(y, "y_data", where);
  const std::size_t block = static_cast<std::size_t>(len) * kRowWidth;
  for (std::int64_t i = 0; i < n; ++i) {
    const double c = counts[static_cast<std::size_t>(i)];
    if (!(c >= 0 && c <= static_cast<double>(len)) || c != std::floor(c))
      throw Error("sample " + std::to_string(i) + ": node count " + std::to_string(c) + " is outside 0.." +
                      std::to_string(len),
                  where);
    std::vector<float> b(block);
    for (std::size_t k = 0; k < block; ++k) b[k] = static_cast<float>(xs[static_cast<std::size_t>(i) * block + k]);
    Properties p{};
    for (int k = 0; k < kNumProperties; ++k) p[k] = ys[static_cast<std::size_t>(i) * kNumProperties + k];
    ds.blocks.push_back(std::move(b));
    ds.y.push_back(p);
    ds.node_counts.push_back(static_cast<int>(c));
  }
  for (std::size_t i = 0; i < ds.size(); ++i)
    rows_to_graph(ds.blocks[i].data(), ds.node_counts[i], ds.max_length, ds.max_neighbors,
                  where + ", sample " + std::to_string(i));
  return ds;
}

}  // namespace

WebGraph WebDataset::graph(std::size_t i) const {
  if (i >= blocks.size()) throw Error("sample " + std::to_string(i) + " does not exist", "web dataset");
  return rows_to_graph(blocks[i].data(), node_counts[i], max_length, max_neighbors,
                       "web dataset sample " + std::to_string(i));
}

WebDataset make_dataset(const std::vector<WebGraph>& graphs, int max_length, int max_neighbors) {
  WebDataset ds;
  ds.max_length = max_length;
  ds.max_neighbors = max_neighbors;
  ds.labels.assign(property_names().begin(), property_names().end());
  for (const WebGraph& g : graphs) {
    ds.blocks.push_back(graph_to_rows(g, max_length, max_neighbors));
    ds.y.push_back(web_properties(g));
    ds.node_counts.push_back(static_cast<int>(g.nodes.size()));
  }
  return ds;
}

WebDataset read_paper_dataset(const std::string& path) {
  const PyValue root = read_pth(path);
  if ((root.kind != PyValue::Kind::Tuple && root.kind != PyValue::Kind::List) || root.items.size() != 7)
    throw Error("expected the paper's 7-tuple (input, y_data, node_number_list, labels, max_length, posdim_emb, "
                "max_neighbors), found " + root.kind_name() + " of " + std::to_string(root.items.size()),
                path);
  const auto& it = root.items;
  for (int k : {0, 1})
    if (it[static_cast<std::size_t>(k)].kind != PyValue::Kind::Tensor)
      throw Error("element " + std::to_string(k) + " should be a tensor, found " +
                      it[static_cast<std::size_t>(k)].kind_name(), path);
  std::vector<double> counts;
  if (it[2].kind == PyValue::Kind::Tensor) {
    counts = tensor_values(*it[2].tensor, "node_number_list", path);
  } else if (it[2].kind == PyValue::Kind::List || it[2].kind == PyValue::Kind::Tuple) {
    for (const auto& v : it[2].items) counts.push_back(as_int(v, "node_number_list entry", path));
  } else {
    throw Error("node_number_list should be a tensor or list, found " + it[2].kind_name(), path);
  }
  WebDataset ds;
  if (it[3].kind == PyValue::Kind::List || it[3].kind == PyValue::Kind::Tuple)
    for (const auto& v : it[3].items) ds.labels.push_back(v.kind == PyValue::Kind::Str ? v.text : v.kind_name());
  ds.posdim_emb = as_int(it[5], "posdim_emb", path);
  ds.max_neighbors = as_int(it[6], "max_neighbors", path);
  if (ds.max_neighbors < 1 || ds.max_neighbors > 6)
    throw Error("max_neighbors " + std::to_string(ds.max_neighbors) + " is outside 1..6", path);
  WebDataset out = assemble(*it[0].tensor, *it[1].tensor, counts, std::move(ds), path);
  const int stated = as_int(it[4], "max_length", path);
  if (stated != out.max_length)
    throw Error("max_length says " + std::to_string(stated) + " but input rows are " +
                    std::to_string(out.max_length), path);
  return out;
}

void write_dataset_safetensors(const std::string& path, const WebDataset& ds) {
  const std::int64_t n = static_cast<std::int64_t>(ds.size());
  auto make = [](DType dt, std::vector<std::int64_t> shape) {
    TensorRecord t;
    t.dtype = dt;
    t.shape = std::move(shape);
    t.data.resize(t.nbytes());
    return t;
  };
  TensorRecord input = make(DType::F32, {n, ds.max_length, kRowWidth});
  TensorRecord y = make(DType::F32, {n, kNumProperties});
  TensorRecord counts = make(DType::I64, {n});
  const std::size_t block = static_cast<std::size_t>(ds.max_length) * kRowWidth;
  for (std::size_t i = 0; i < ds.size(); ++i) {
    if (ds.blocks[i].size() != block) throw Error("sample " + std::to_string(i) + " has the wrong size", path);
    std::memcpy(input.data.data() + i * block * 4, ds.blocks[i].data(), block * 4);
    for (int k = 0; k < kNumProperties; ++k) {
      const float v = static_cast<float>(ds.y[i][k]);
      std::memcpy(y.data.data() + (i * kNumProperties + static_cast<std::size_t>(k)) * 4, &v, 4);
    }
    const std::int64_t c = ds.node_counts[i];
    std::memcpy(counts.data.data() + i * 8, &c, 8);
  }
  const std::map<std::string, std::string> meta = {
      {"format", "weft.web.dataset/1"},
      {"labels_y_txt", nlohmann::json(ds.labels).dump()},
      {"max_length", std::to_string(ds.max_length)},
      {"posdim_emb", std::to_string(ds.posdim_emb)},
      {"max_neighbors", std::to_string(ds.max_neighbors)}};
  write_safetensors(path, {{"input", input}, {"y_data", y}, {"node_number_list", counts}}, meta);
}

WebDataset read_dataset_safetensors(const std::string& path) {
  const SafetensorsFile f = read_safetensors(path);
  auto need = [&](const char* name) -> const TensorRecord& {
    const TensorRecord* t = find_tensor(f.tensors, name);
    if (!t) throw Error(std::string("missing tensor \"") + name + "\" (not a web dataset?)", path);
    return *t;
  };
  auto meta_int = [&](const char* key, int fallback) {
    auto it = f.metadata.find(key);
    if (it == f.metadata.end()) return fallback;
    try {
      return std::stoi(it->second);
    } catch (const std::exception&) {
      throw Error(std::string("metadata \"") + key + "\" is not an integer: " + it->second, path);
    }
  };
  WebDataset ds;
  ds.max_neighbors = meta_int("max_neighbors", kMaxNeighbors);
  ds.posdim_emb = meta_int("posdim_emb", 16);
  if (ds.max_neighbors < 1 || ds.max_neighbors > 6)
    throw Error("max_neighbors " + std::to_string(ds.max_neighbors) + " is outside 1..6", path);
  if (auto it = f.metadata.find("labels_y_txt"); it != f.metadata.end()) {
    const auto j = nlohmann::json::parse(it->second, nullptr, false);
    if (j.is_array())
      for (const auto& s : j)
        if (s.is_string()) ds.labels.push_back(s.get<std::string>());
  }
  const auto counts = tensor_values(need("node_number_list"), "node_number_list", path);
  return assemble(need("input"), need("y_data"), counts, std::move(ds), path);
}

WebDataset read_web_dataset(const std::string& path) {
  // torch.save writes a zip archive ("PK"); anything else is tried as our safetensors file.
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open the file", path);
  char head[2] = {0, 0};
  in.read(head, 2);
  if (in.gcount() == 2 && head[0] == 'P' && head[1] == 'K') return read_paper_dataset(path);
  return read_dataset_safetensors(path);
}

}  // namespace weft::web
