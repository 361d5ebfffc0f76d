// parse_safetensors on arbitrary bytes; whatever it accepts must survive a write/read round trip unchanged.
#include <cstdint>
#include <cstdlib>

#include "common/error.h"
#include "common/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    weft::parse_safetensors(data, size, "fuzz", false);
    const weft::SafetensorsFile file = weft::parse_safetensors(data, size, "fuzz", true);
    const std::string again = weft::serialize_safetensors(file.tensors, file.metadata);
    const weft::SafetensorsFile back =
        weft::parse_safetensors(reinterpret_cast<const std::uint8_t*>(again.data()), again.size(), "again");
    if (back.metadata != file.metadata || back.tensors.size() != file.tensors.size()) std::abort();
    for (const auto& t : file.tensors) {
      const weft::TensorRecord* b = weft::find_tensor(back.tensors, t.name);
      if (!b || b->dtype != t.tensor.dtype || b->shape != t.tensor.shape || b->data != t.tensor.data) std::abort();
    }
  } catch (const weft::Error&) {
  }
  return 0;
}
