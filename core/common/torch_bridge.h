#pragma once
// Between file-level TensorRecords and LibTorch tensors. Include only from .cpp files that already use LibTorch.
#include <string>

#include "common/tensor_record.h"

namespace at {
class Tensor;
}
namespace torch::nn {
class Module;
}

namespace weft {

at::Tensor to_torch(const TensorRecord&);         // a CPU tensor owning a copy of the data
TensorRecord from_torch(const at::Tensor&);       // any device/stride → contiguous CPU bytes
NamedTensors named_tensors_of(const torch::nn::Module&);  // parameters then buffers, state-dict names

struct LoadReport {
  int loaded = 0;
  std::vector<std::string> missing;     // in the module, not in the file
  std::vector<std::string> unexpected;  // in the file, not in the module
};

// Copies tensors into the module's parameters and buffers by state-dict name. Shape or dtype mismatches always
// throw (naming the tensor and both shapes); missing/unexpected names throw only when `strict`.
LoadReport load_into(torch::nn::Module&, const NamedTensors&, bool strict, const std::string& origin);

}  // namespace weft
