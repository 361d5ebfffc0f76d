// The restricted unpickler on raw pickle bytes. fuzz_pth reaches it only through zip entries whose CRC a
// mutation almost always breaks, so the VM gets its own target. Storages are synthesised without per-input
// allocation: key k has 64 KiB × (1 + min(len(k), 15)) bytes, so the fixture pickles (keys "0", "1", ...)
// rebuild most of their tensors, and keys starting with 's' have 16 bytes, so "storage too short" is reachable.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>

#include "common/error.h"
#include "common/pth_reader.h"
#include "common/restricted_unpickler.h"

namespace {
std::uint64_t synthetic_size(const std::string& key) {
  if (!key.empty() && key[0] == 's') return 16;
  return (std::uint64_t(64) << 10) * (1 + std::min<std::size_t>(key.size(), 15));
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::map<std::uint64_t, std::shared_ptr<const std::vector<std::uint8_t>>> buffers;
  weft::StorageAccess storages;
  storages.size = [](const std::string& key) -> std::uint64_t {
    if (key == "missing") throw weft::Error("storage record is missing");
    return synthetic_size(key);
  };
  storages.read = [](const std::string& key) {
    auto& buffer = buffers[synthetic_size(key)];
    if (!buffer) buffer = std::make_shared<const std::vector<std::uint8_t>>(synthetic_size(key), std::uint8_t(0x3f));
    return buffer;
  };
  for (bool load : {true, false}) {
    weft::UnpickleLimits limits;
    limits.load_data = load;
    limits.max_bytes = std::uint64_t(256) << 20;  // storages are shared buffers here: this bounds tensors built
    limits.max_values = 200000;
    try {
      const weft::PyValue value = weft::unpickle_restricted(data, size, "fuzz", storages, limits);
      const weft::NamedTensors tensors = weft::flatten_tensors(value);
      for (const auto& t : tensors)
        if (load ? !t.tensor.has_data() : !t.tensor.data.empty()) std::abort();
    } catch (const weft::Error&) {
    }
  }
  return 0;
}
