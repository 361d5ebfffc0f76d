#pragma once
// safetensors (https://github.com/huggingface/safetensors format): 8-byte little-endian header length, JSON
// header, raw data. The reader validates everything against the file size before touching data.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/tensor_record.h"

namespace weft {

struct SafetensorsFile {
  NamedTensors tensors;                          // in data-offset order
  std::map<std::string, std::string> metadata;   // the optional "__metadata__" entry (string → string)
};

// With load_data = false only the header is read (for inspecting huge files); tensors then have empty data.
SafetensorsFile read_safetensors(const std::string& path, bool load_data = true);
// `origin` names the source in error messages (a path, or "<memory>").
SafetensorsFile parse_safetensors(const std::uint8_t* bytes, std::size_t size, std::string_view origin,
                                  bool load_data = true);

// Header keys sorted, data in that order, header padded with spaces to a multiple of 8 (as the reference writer).
std::string serialize_safetensors(const NamedTensors&, const std::map<std::string, std::string>& metadata = {});
void write_safetensors(const std::string& path, const NamedTensors&,
                       const std::map<std::string, std::string>& metadata = {});  // atomic

}  // namespace weft
