#pragma once
// A tensor as stored in a file, independent of LibTorch: dtype, shape and contiguous little-endian bytes.
// The file readers produce these (so they can be fuzzed and used by `weft inspect` without LibTorch);
// common/torch_bridge.h converts to and from torch tensors.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft {

enum class DType : std::uint8_t { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

std::size_t dtype_size(DType);
std::string_view dtype_name(DType);                       // safetensors spelling: "F32", "BOOL", ...
std::optional<DType> dtype_from_name(std::string_view);  // inverse of dtype_name

struct TensorRecord {
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> data;  // row-major, contiguous; empty when read with load_data = false

  std::int64_t numel() const;
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * dtype_size(dtype); }
  bool has_data() const { return data.size() == nbytes() && (nbytes() > 0 || numel() == 0); }
};

struct NamedTensor {
  std::string name;
  TensorRecord tensor;
};
using NamedTensors = std::vector<NamedTensor>;  // in file order

// numel × dtype_size with every step overflow-checked (shapes come from untrusted files); throws weft::Error.
std::uint64_t tensor_nbytes(DType, const std::vector<std::int64_t>& shape);

const TensorRecord* find_tensor(const NamedTensors&, std::string_view name);
std::string shape_string(const std::vector<std::int64_t>& shape);  // "[2, 3, 64]"

}  // namespace weft
