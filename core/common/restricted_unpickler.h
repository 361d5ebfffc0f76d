#pragma once
// A pickle interpreter that executes nothing. It understands the opcodes plain data needs (numbers, strings,
// lists, tuples, dicts) plus the few allow-listed PyTorch/collections globals a torch.save file uses to rebuild
// tensors; every other global or opcode is refused with a weft::Error that names it and its byte position.
// Hostile input is bounded in time, memory and C++ stack depth (see UnpickleLimits).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/pickle_value.h"

namespace weft {

// How the unpickler reaches tensor storages (zip entries `<root>/data/<key>` of a .pth archive).
struct StorageAccess {
  std::function<std::uint64_t(const std::string& key)> size;              // bytes; throws if there is no such record
  // The whole record; called at most once per key (shared: a caller may hand out one buffer for many keys).
  std::function<std::shared_ptr<const std::vector<std::uint8_t>>(const std::string& key)> read;
};

struct UnpickleLimits {
  bool load_data = true;                             // false: only sizes are checked, storages are never read
  std::uint64_t max_bytes = std::uint64_t(64) << 30; // storages read + tensor data built (+ text in the result)
  std::uint64_t max_values = 10'000'000;             // pickle objects created, and values in the result tree
  int max_depth = 1000;                              // nesting of the result (it is converted recursively)
};

// Interprets `bytes` as a pickle. `origin` prefixes error locations (e.g. "model.pth: archive/data.pkl").
PyValue unpickle_restricted(const std::uint8_t* bytes, std::size_t size, std::string_view origin,
                            const StorageAccess& storages, const UnpickleLimits& limits = {});

}  // namespace weft
