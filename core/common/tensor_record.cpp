#include "common/tensor_record.h"

#include <limits>

#include "common/error.h"

namespace weft {

std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::F64: case DType::I64: return 8;
    case DType::F32: case DType::I32: return 4;
    case DType::F16: case DType::BF16: case DType::I16: return 2;
    case DType::I8: case DType::U8: case DType::Bool: return 1;
  }
  return 1;  // unreachable for valid enum values
}

namespace {
struct DTypeName {
  DType type;
  std::string_view name;
};
constexpr DTypeName kNames[] = {
    {DType::F64, "F64"}, {DType::F32, "F32"}, {DType::F16, "F16"}, {DType::BF16, "BF16"}, {DType::I64, "I64"},
    {DType::I32, "I32"}, {DType::I16, "I16"}, {DType::I8, "I8"},   {DType::U8, "U8"},     {DType::Bool, "BOOL"},
};
}  // namespace

std::string_view dtype_name(DType t) {
  for (const auto& n : kNames)
    if (n.type == t) return n.name;
  return "?";
}

std::optional<DType> dtype_from_name(std::string_view name) {
  for (const auto& n : kNames)
    if (n.name == name) return n.type;
  return std::nullopt;
}

// Shapes come from files, so the product is checked: a hostile shape must not wrap around to a small size
// and let a short buffer pass validation.
std::int64_t TensorRecord::numel() const {
  std::int64_t n = 1;
  for (std::int64_t d : shape) {
    if (d < 0) throw Error("negative dimension " + std::to_string(d) + " in shape " + shape_string(shape));
    if (d != 0 && n > std::numeric_limits<std::int64_t>::max() / d)
      throw Error("shape " + shape_string(shape) + " has too many elements");
    n *= d;
  }
  return n;
}

std::uint64_t tensor_nbytes(DType t, const std::vector<std::int64_t>& shape) {
  TensorRecord probe;
  probe.shape = shape;
  const auto n = static_cast<std::uint64_t>(probe.numel());
  if (n > std::numeric_limits<std::uint64_t>::max() / dtype_size(t) ||
      n * dtype_size(t) > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    throw Error("shape " + shape_string(shape) + " is too large for " + std::string(dtype_name(t)));
  return n * dtype_size(t);
}

const TensorRecord* find_tensor(const NamedTensors& tensors, std::string_view name) {
  for (const auto& t : tensors)
    if (t.name == name) return &t.tensor;
  return nullptr;
}

std::string shape_string(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

}  // namespace weft
