#include "common/safetensors.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"

namespace weft {
namespace {

using json = nlohmann::json;

// Real headers are a few hundred bytes per tensor; anything bigger is hostile or not a safetensors file.
constexpr std::uint64_t kMaxHeader = 100ull * 1000 * 1000;
// The header is a flat object of objects holding short arrays; deeper nesting is refused while parsing so a
// hostile "[[[[..." cannot build a deep tree.
constexpr int kMaxJsonDepth = 4;

std::uint64_t read_le64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

struct Entry {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0, end = 0;  // relative to the data area
};

struct Header {
  std::vector<Entry> entries;  // sorted by begin
  std::map<std::string, std::string> metadata;
};

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

Header parse_header(const std::uint8_t* text, std::size_t n, std::uint64_t data_size, const std::string& origin) {
  json root;
  try {
    json::parser_callback_t limit_depth = [&](int depth, json::parse_event_t, json&) {
      if (depth > kMaxJsonDepth) throw Error("header JSON nests deeper than expected", origin);
      return true;
    };
    root = json::parse(text, text + n, limit_depth);
  } catch (const json::exception& e) {
    throw Error(std::string("header is not valid JSON (") + e.what() + ")", origin);
  }
  if (!root.is_object()) throw Error("header JSON is not an object", origin);

  Header h;
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    if (key == "__metadata__") {
      if (!v.is_object()) throw Error("__metadata__ is not an object", origin);
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) throw Error("__metadata__ value of " + quoted(m.key()) + " is not a string", origin);
        h.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string where = origin + ": tensor " + quoted(key);
    if (!v.is_object()) throw Error("header entry is not an object", where);
    auto dt = v.find("dtype"), sh = v.find("shape"), off = v.find("data_offsets");
    if (dt == v.end() || sh == v.end() || off == v.end())
      throw Error("header entry lacks dtype, shape or data_offsets", where);
    Entry e;
    e.name = key;
    if (!dt->is_string()) throw Error("dtype is not a string", where);
    auto parsed = dtype_from_name(dt->get<std::string>());
    if (!parsed) throw Error("unsupported dtype " + quoted(dt->get<std::string>()), where);
    e.dtype = *parsed;
    if (!sh->is_array()) throw Error("shape is not an array", where);
    for (const json& d : *sh) {
      if (!d.is_number_integer() || (d.is_number_unsigned() && d.get<std::uint64_t>() >
                                                                   std::uint64_t(std::numeric_limits<std::int64_t>::max())))
        throw Error("shape holds something other than a dimension", where);
      const auto dim = d.get<std::int64_t>();
      if (dim < 0) throw Error("shape has a negative dimension", where);
      e.shape.push_back(dim);
    }
    if (!off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() || !(*off)[1].is_number_unsigned())
      throw Error("data_offsets is not a pair of non-negative integers", where);
    e.begin = (*off)[0].get<std::uint64_t>();
    e.end = (*off)[1].get<std::uint64_t>();
    if (e.begin > e.end || e.end > data_size)
      throw Error("data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                      "] out of range (data area has " + std::to_string(data_size) + " bytes)",
                  where);
    std::uint64_t nbytes = 0;
    try {
      nbytes = tensor_nbytes(e.dtype, e.shape);
    } catch (const Error& err) {
      throw Error(err.what_part(), where);
    }
    if (e.end - e.begin != nbytes)
      throw Error("data_offsets span " + std::to_string(e.end - e.begin) + " bytes but " +
                      std::string(dtype_name(e.dtype)) + " " + shape_string(e.shape) + " needs " +
                      std::to_string(nbytes) + " (size mismatch)",
                  where);
    h.entries.push_back(std::move(e));
  }

  std::stable_sort(h.entries.begin(), h.entries.end(),
                   [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  // Sorted by begin, ranges are disjoint iff each starts at or after the furthest end seen so far. Empty tensors
  // occupy no bytes, so they may sit anywhere.
  const Entry* furthest = nullptr;
  for (const Entry& cur : h.entries) {
    if (cur.begin == cur.end) continue;
    if (furthest && cur.begin < furthest->end)
      throw Error("data of " + quoted(cur.name) + " overlaps " + quoted(furthest->name) +
                      " (overlapping data_offsets)",
                  origin);
    if (!furthest || cur.end > furthest->end) furthest = &cur;
  }
  return h;
}

// Returns the header length after checking it against the file size.
std::uint64_t check_prefix(const std::uint8_t* first8, std::uint64_t file_size, const std::string& origin) {
  const std::uint64_t n = read_le64(first8);
  if (n > file_size - 8)
    throw Error("header length " + std::to_string(n) + " exceeds the file size (" + std::to_string(file_size) +
                    " bytes): not a safetensors file, or truncated",
                origin);
  if (n > kMaxHeader) throw Error("header length " + std::to_string(n) + " is larger than 100 MB", origin);
  return n;
}

NamedTensors to_tensors(const Header& h, const std::uint8_t* data, bool load_data) {
  NamedTensors out;
  out.reserve(h.entries.size());
  for (const Entry& e : h.entries) {
    NamedTensor t;
    t.name = e.name;
    t.tensor.dtype = e.dtype;
    t.tensor.shape = e.shape;
    if (load_data) t.tensor.data.assign(data + e.begin, data + e.end);
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

SafetensorsFile parse_safetensors(const std::uint8_t* bytes, std::size_t size, std::string_view origin_view,
                                  bool load_data) {
  const std::string origin(origin_view);
  if (size < 8)
    throw Error("file too short for a safetensors header (" + std::to_string(size) + " bytes)", origin);
  const std::uint64_t n = check_prefix(bytes, size, origin);
  Header h = parse_header(bytes + 8, static_cast<std::size_t>(n), size - 8 - n, origin);
  return SafetensorsFile{to_tensors(h, bytes + 8 + n, load_data), std::move(h.metadata)};
}

SafetensorsFile read_safetensors(const std::string& path, bool load_data) {
  if (load_data) {
    const std::string bytes = read_file(path);
    return parse_safetensors(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), path, true);
  }
  // Header only: large files are inspected without reading their data.
  std::error_code ec;
  const auto file_size = std::filesystem::file_size(path, ec);
  if (ec) throw Error("cannot open file: " + ec.message(), path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open file", path);
  if (file_size < 8)
    throw Error("file too short for a safetensors header (" + std::to_string(file_size) + " bytes)", path);
  std::uint8_t first8[8];
  if (!in.read(reinterpret_cast<char*>(first8), 8)) throw Error("read failed", path);
  const std::uint64_t n = check_prefix(first8, file_size, path);
  std::vector<std::uint8_t> header(static_cast<std::size_t>(n));
  if (n > 0 && !in.read(reinterpret_cast<char*>(header.data()), static_cast<std::streamsize>(n)))
    throw Error("read failed", path);
  Header h = parse_header(header.data(), header.size(), file_size - 8 - n, path);
  return SafetensorsFile{to_tensors(h, nullptr, false), std::move(h.metadata)};
}

std::string serialize_safetensors(const NamedTensors& tensors, const std::map<std::string, std::string>& metadata) {
  std::vector<const NamedTensor*> sorted;
  for (const auto& t : tensors) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->name < b->name; });

  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const NamedTensor& t = *sorted[i];
    if (t.name == "__metadata__") throw Error("\"__metadata__\" is reserved and cannot name a tensor");
    if (i > 0 && sorted[i - 1]->name == t.name) throw Error("two tensors are named " + quoted(t.name));
    const std::uint64_t nbytes = tensor_nbytes(t.tensor.dtype, t.tensor.shape);
    if (t.tensor.data.size() != nbytes)
      throw Error("holds " + std::to_string(t.tensor.data.size()) + " bytes but " +
                      std::string(dtype_name(t.tensor.dtype)) + " " + shape_string(t.tensor.shape) + " needs " +
                      std::to_string(nbytes),
                  "tensor " + quoted(t.name));
    header[t.name] = {{"dtype", std::string(dtype_name(t.tensor.dtype))},
                      {"shape", t.tensor.shape},
                      {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const json::exception&) {  // names from a .pth are not validated as UTF-8; JSON requires it
    throw Error("a tensor name or metadata entry is not valid UTF-8");
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // the reference writer aligns the data area to 8 bytes

  std::string out;
  out.reserve(8 + text.size() + offset);
  std::uint64_t n = text.size();
  for (int i = 0; i < 8; ++i, n >>= 8) out.push_back(static_cast<char>(n & 0xff));
  out += text;
  for (const NamedTensor* t : sorted) out.append(reinterpret_cast<const char*>(t->tensor.data.data()), t->tensor.data.size());
  return out;
}

void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata) {
  const std::string bytes = serialize_safetensors(tensors, metadata);
  write_file_atomic(path, bytes);
}

}  // namespace weft
