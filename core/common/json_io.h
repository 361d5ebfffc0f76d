#pragma once
// JSON helpers shared by every request/result: parsing with errors that say where, typed field access, and the
// metadata block a saved result carries so that it can be re-run exactly.
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace weft {

using Json = nlohmann::json;

// Parses `text`; on failure throws Error("invalid JSON: …", where).
Json parse_json(std::string_view text, std::string_view where);

// Reads `key` from object `j` as T, or `fallback` when absent. Wrong types throw Error naming the key.
template <typename T>
T json_get(const Json& j, const char* key, const T& fallback, std::string_view where = "request") {
  if (!j.is_object()) throw Error("expected a JSON object", std::string(where));
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw Error(std::string("field \"") + key + "\" has the wrong type (" + it->type_name() + ")", std::string(where));
  }
}

// Same, but the field must be present.
template <typename T>
T json_require(const Json& j, const char* key, std::string_view where = "request") {
  if (!j.is_object() || !j.contains(key)) throw Error(std::string("missing field \"") + key + "\"", std::string(where));
  return json_get<T>(j, key, T{}, where);
}

// The block every saved result carries: {"weft": {"version", "job", "request"}}.
Json result_metadata(std::string_view job, const Json& request);

std::string weft_version();

}  // namespace weft
