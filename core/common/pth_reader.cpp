#include "common/pth_reader.h"

#include <zip.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "common/error.h"
#include "common/restricted_unpickler.h"
#include "common/safetensors.h"

namespace weft {
namespace {

struct ZipDiscard {
  void operator()(zip_t* z) const { zip_discard(z); }  // read-only: never writes anything back
};
struct ZipFileClose {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipDiscard>;
using ZipFilePtr = std::unique_ptr<zip_file_t, ZipFileClose>;

// Why a file that libzip cannot open is not a checkpoint we read, judged from its first bytes.
std::string not_zip_reason(const std::uint8_t* head, std::size_t n) {
  if (n >= 2 && head[0] == 'P' && head[1] == 'K')
    return "zip archive is truncated or corrupt (its central directory is missing or damaged)";
  if (n >= 2 && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5)
    return "this is a bare pickle: a PyTorch file in the legacy (pre-1.6) format or a plain pickle. Re-save it "
           "with a newer torch (torch.save writes the zip format by default since 1.6)";
  if (n >= 9 && head[8] == '{' && head[6] == 0 && head[7] == 0)  // 8-byte header length, then JSON
    return "not a zip archive: this looks like a safetensors file, open it as such";
  return "not a PyTorch checkpoint (not a zip archive)";
}

std::string zip_error_text(int code) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  std::string s = zip_error_strerror(&e);
  zip_error_fini(&e);
  return s;
}

class Archive {
 public:
  Archive(ZipPtr zip, std::string origin, const PthOptions& options, std::uint64_t archive_size)
      : zip_(std::move(zip)), origin_(std::move(origin)), options_(options) {
    if (options_.max_bytes == 0) {
      const std::uint64_t cap = std::uint64_t(1) << 30;
      options_.max_bytes = archive_size > (~std::uint64_t(0) - cap) / 8 ? ~std::uint64_t(0) : cap + 8 * archive_size;
    }
  }

  PyValue load();

 private:
  std::uint64_t entry_size(zip_uint64_t index, const std::string& name) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip_.get(), index, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
      throw Error("cannot read the size of " + name + ": " + zip_strerror(zip_.get()), origin_);
    return st.size;
  }
  std::vector<std::uint8_t> read_entry(zip_uint64_t index, const std::string& name) {
    const std::uint64_t size = entry_size(index, name);
    if (size > options_.max_bytes - bytes_read_)
      throw Error(name + " (" + std::to_string(size) + " bytes) exceeds the size limit of " +
                      std::to_string(options_.max_bytes) + " bytes",
                  origin_);
    bytes_read_ += size;
    ZipFilePtr f(zip_fopen_index(zip_.get(), index, 0));
    if (!f) throw Error("cannot open " + name + " in the archive: " + zip_strerror(zip_.get()), origin_);
    std::vector<std::uint8_t> data(static_cast<std::size_t>(size));
    std::uint64_t done = 0;
    while (done < size) {
      const zip_int64_t got = zip_fread(f.get(), data.data() + done, size - done);
      if (got < 0) throw Error(name + " is corrupt: " + zip_file_strerror(f.get()), origin_);
      if (got == 0) break;
      done += static_cast<std::uint64_t>(got);
    }
    // One more read reaches the end of the entry, which is where libzip verifies its CRC.
    std::uint8_t extra = 0;
    const zip_int64_t tail = done == size ? zip_fread(f.get(), &extra, 1) : 0;
    if (done != size)
      throw Error(name + " is truncated (" + std::to_string(done) + " of " + std::to_string(size) + " bytes)", origin_);
    if (tail < 0) throw Error(name + " is corrupt (" + std::string(zip_file_strerror(f.get())) + ")", origin_);
    if (tail > 0) throw Error(name + " is longer than the size the archive records", origin_);
    return data;
  }
  zip_uint64_t locate(const std::string& name, const char* what) {
    const zip_int64_t i = zip_name_locate(zip_.get(), name.c_str(), ZIP_FL_ENC_RAW);
    if (i < 0) throw Error(std::string(what) + " '" + name + "' is missing from the archive", origin_);
    return static_cast<zip_uint64_t>(i);
  }
  std::string storage_name(const std::string& key) {
    if (key.find('\0') != std::string::npos) throw Error("storage key contains a NUL byte", origin_);
    return root_ + "/data/" + key;
  }

  ZipPtr zip_;
  std::string origin_;
  PthOptions options_;
  std::string root_;
  std::uint64_t bytes_read_ = 0;
};

PyValue Archive::load() {
  // torch.save writes <root>/data.pkl, <root>/data/<key> per storage, <root>/version (and newer: byteorder).
  const zip_int64_t count = zip_get_num_entries(zip_.get(), 0);
  zip_int64_t pkl = -1;
  bool torchscript = false;
  for (zip_int64_t i = 0; i < count; ++i) {
    const char* raw = zip_get_name(zip_.get(), static_cast<zip_uint64_t>(i), ZIP_FL_ENC_RAW);
    if (!raw) continue;
    const std::string name(raw);
    const auto slash = name.find('/');
    if (slash == std::string::npos) continue;
    const std::string rest = name.substr(slash + 1);
    if (rest == "constants.pkl" || rest.rfind("code/", 0) == 0) torchscript = true;
    if (rest != "data.pkl") continue;
    if (pkl >= 0) throw Error("the archive holds more than one <root>/data.pkl", origin_);
    pkl = i;
    root_ = name.substr(0, slash);
  }
  if (pkl < 0)
    throw Error(torchscript ? "TorchScript archive without data.pkl: not a torch.save checkpoint"
                            : "no <root>/data.pkl in the zip archive: not a PyTorch checkpoint",
                origin_);

  const zip_int64_t order = zip_name_locate(zip_.get(), (root_ + "/byteorder").c_str(), ZIP_FL_ENC_RAW);
  if (order >= 0) {
    const std::string name = root_ + "/byteorder";
    if (entry_size(static_cast<zip_uint64_t>(order), name) > 16) throw Error(name + " is not 'little' or 'big'", origin_);
    const auto bytes = read_entry(static_cast<zip_uint64_t>(order), name);
    const std::string value(bytes.begin(), bytes.end());
    if (value != "little")
      throw Error("byte order '" + (value == "big" ? value : std::string("?")) +
                      "' is not supported (only little-endian checkpoints)",
                  origin_);
  }

  const std::string pkl_name = root_ + "/data.pkl";
  const std::vector<std::uint8_t> pickle = read_entry(static_cast<zip_uint64_t>(pkl), pkl_name);

  StorageAccess access;
  access.size = [this](const std::string& key) {
    const std::string name = storage_name(key);
    return entry_size(locate(name, "storage record"), name);
  };
  access.read = [this](const std::string& key) {
    const std::string name = storage_name(key);
    return std::make_shared<const std::vector<std::uint8_t>>(read_entry(locate(name, "storage record"), name));
  };
  UnpickleLimits limits;
  limits.load_data = options_.load_data;
  limits.max_bytes = options_.max_bytes;
  limits.max_values = options_.max_values;
  return unpickle_restricted(pickle.data(), pickle.size(), origin_ + ": " + pkl_name, access, limits);
}

// Names are built in one buffer (appended and cut back while recursing) and bounded, so a hostile tree of long
// keys cannot multiply into gigabytes of names.
constexpr std::size_t kMaxName = 64 * 1024;
constexpr std::size_t kMaxNamesTotal = 256u << 20;

struct Flattener {
  NamedTensors out;
  std::string name;
  std::size_t total = 0;

  void add_part(const std::string& part) {
    if (name.size() + 1 + part.size() > kMaxName)
      throw Error("a tensor name would be longer than " + std::to_string(kMaxName) + " bytes");
    if (!name.empty()) name += '.';
    name += part;
  }
  void visit(const PyValue& v) {
    switch (v.kind) {
      case PyValue::Kind::Tensor:
        total += name.size();
        if (total > kMaxNamesTotal) throw Error("tensor names exceed " + std::to_string(kMaxNamesTotal) + " bytes in total");
        out.push_back({name, *v.tensor});
        return;
      case PyValue::Kind::List:
      case PyValue::Kind::Tuple:
        for (std::size_t i = 0; i < v.items.size(); ++i) child(std::to_string(i), v.items[i]);
        return;
      case PyValue::Kind::Dict:
        for (const auto& [k, value] : v.entries) child(key_text(k), value);
        return;
      default: return;
    }
  }
  void child(const std::string& part, const PyValue& v) {
    const std::size_t keep = name.size();
    add_part(part);
    visit(v);
    name.resize(keep);
  }
  static std::string key_text(const PyValue& k) {
    switch (k.kind) {
      case PyValue::Kind::Str: case PyValue::Kind::Bytes: return k.text;
      case PyValue::Kind::Int: return std::to_string(k.integer);
      case PyValue::Kind::Bool: return k.boolean ? "True" : "False";
      case PyValue::Kind::Float: {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.17g", k.number);
        return buf;
      }
      default: return k.kind_name();
    }
  }
};

}  // namespace

PyValue parse_pth(const std::uint8_t* bytes, std::size_t size, std::string_view origin_view, const PthOptions& options) {
  const std::string origin(origin_view);
  if (size == 0) throw Error("file is empty (0 bytes)", origin);  // libzip would open it as an empty archive
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(size ? bytes : nullptr, size, 0, &err);
  if (!src) {
    const std::string msg = zip_error_strerror(&err);
    zip_error_fini(&err);
    throw Error("cannot read the archive: " + msg, origin);
  }
  zip_t* z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
  if (!z) {
    const int code = zip_error_code_zip(&err);
    const std::string msg = zip_error_strerror(&err);
    zip_error_fini(&err);
    zip_source_free(src);  // not taken over on failure
    if (code == ZIP_ER_NOZIP) throw Error(not_zip_reason(bytes, size), origin);
    throw Error("zip archive is corrupt or truncated (" + msg + ")", origin);
  }
  zip_error_fini(&err);
  return Archive(ZipPtr(z), origin, options, size).load();
}

PyValue read_pth(const std::string& path, const PthOptions& options) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size == 0) throw Error("file is empty (0 bytes)", path);
  int code = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
  if (!z) {
    if (code == ZIP_ER_NOZIP || code == ZIP_ER_INCONS) {
      std::uint8_t head[16] = {};
      std::ifstream in(path, std::ios::binary);
      in.read(reinterpret_cast<char*>(head), sizeof head);
      const auto n = static_cast<std::size_t>(in.gcount());
      if (code == ZIP_ER_NOZIP) throw Error(not_zip_reason(head, n), path);
      throw Error("zip archive is corrupt or truncated (" + zip_error_text(code) + ")", path);
    }
    throw Error("cannot open file: " + zip_error_text(code), path);
  }
  return Archive(ZipPtr(z), path, options, ec ? 0 : size).load();
}

NamedTensors flatten_tensors(const PyValue& value) {
  Flattener f;
  f.visit(value);
  return std::move(f.out);
}

NamedTensors read_tensor_file(const std::string& path, bool load_data) {
  std::uint8_t head[9] = {};
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open file", path);
    in.read(reinterpret_cast<char*>(head), sizeof head);
  }
  // Zip magic (or a bare pickle, so the legacy-format message is given) → .pth; anything else → safetensors. A
  // safetensors file starts with its 8-byte header length, whose low byte may well be 0x80 too: its JSON header
  // opening at byte 8 tells it apart.
  const bool safetensors_header = head[8] == '{';
  if (!safetensors_header && ((head[0] == 'P' && head[1] == 'K') || head[0] == 0x80)) {
    PthOptions options;
    options.load_data = load_data;
    return flatten_tensors(read_pth(path, options));
  }
  return read_safetensors(path, load_data).tensors;
}

}  // namespace weft
