#pragma once
// Reads PyTorch files written by torch.save (zip container: <root>/data.pkl + <root>/data/<key> storages)
// WITHOUT executing anything: data.pkl is interpreted by a restricted unpickler that accepts only the opcodes
// and allow-listed globals a state dict (or a tuple/list/dict of tensors and plain values) needs. Any other
// global or opcode is refused with an Error naming it. Checkpoints are untrusted input.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/pickle_value.h"
#include "common/tensor_record.h"

namespace weft {

struct PthOptions {
  bool load_data = true;  // false: shapes/dtypes only, storages are not read (inspecting large files)
  // Bounds for hostile files (zip bombs, stride-0 views, one storage viewed by many tensors, shared objects
  // repeated): bytes of data.pkl, storages read and tensor data built; objects/values created. Exceeding one is
  // a weft::Error. max_bytes = 0 means 1 GiB + 8 × the archive size: real checkpoints store their data
  // uncompressed, so they never come near it, while a 3 kB file cannot demand gigabytes.
  std::uint64_t max_bytes = 0;
  std::uint64_t max_values = 10'000'000;
};

PyValue read_pth(const std::string& path, const PthOptions& = {});
PyValue parse_pth(const std::uint8_t* bytes, std::size_t size, std::string_view origin, const PthOptions& = {});

// Every tensor in a value tree with a dotted name: dict keys and list/tuple indices joined by '.', so
// {"model": {"w": T}, "epoch": 3} gives "model.w", and a 7-tuple gives "0", "1", ...
NamedTensors flatten_tensors(const PyValue&);

// Either format, chosen by content (zip magic → .pth, otherwise safetensors), as NamedTensors.
NamedTensors read_tensor_file(const std::string& path, bool load_data = true);

}  // namespace weft
