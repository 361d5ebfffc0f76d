#pragma once
// The value tree the restricted unpickler produces: only what a state dict (or a dataset tuple) can contain.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/tensor_record.h"

namespace weft {

struct PyValue {
  enum class Kind { None, Bool, Int, Float, Str, Bytes, List, Tuple, Dict, Tensor };
  Kind kind = Kind::None;
  bool boolean = false;
  std::int64_t integer = 0;
  double number = 0.0;
  std::string text;                                 // Str (UTF-8) or Bytes
  std::vector<PyValue> items;                       // List / Tuple
  std::vector<std::pair<PyValue, PyValue>> entries; // Dict, insertion order (dict and OrderedDict alike)
  std::shared_ptr<const TensorRecord> tensor;       // Tensor (shared: one storage may back many tensors)
  bool requires_grad = false;                       // Tensor: saved as an nn.Parameter

  const PyValue* get(std::string_view key) const;   // Dict lookup by string key, nullptr if absent/not a dict
  std::string kind_name() const;                    // "dict", "tuple", "tensor", ...
};

}  // namespace weft
