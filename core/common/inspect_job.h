#pragma once
// Jobs over tensor files: list what a checkpoint holds (`weft inspect`, the studio's inspector), convert a
// PyTorch checkpoint to safetensors (`weft convert`).
#include <cstdint>
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "common/json_io.h"
#include "common/progress_sink.h"

namespace weft {

struct InspectRequest {
  std::string path;
  Json to_json() const;
  static InspectRequest from_json(const Json&);
};

struct TensorSummary {
  std::string name, dtype;
  std::vector<std::int64_t> shape;
  std::uint64_t bytes = 0;
};

struct InspectResult {
  InspectRequest request;
  std::string format;       // "safetensors" or "PyTorch zip (torch.save)"
  std::string structure;    // e.g. "dict of 120 tensors", "tuple of 7 (tensor, tensor, ...)"
  std::vector<TensorSummary> tensors;
  std::uint64_t total_bytes = 0;
  std::uint64_t file_bytes = 0;
  Json to_json() const;
  std::string to_table() const;  // aligned text for the CLI
};

InspectResult run_inspect(const InspectRequest&, ProgressSink&, const CancelToken&);

struct ConvertRequest {
  std::string input, output;
  Json to_json() const;
};
struct ConvertResult {
  ConvertRequest request;
  std::size_t tensors = 0;
  std::uint64_t bytes = 0;
};
// .pth/.pt → .safetensors (nested names flattened with '.'), written atomically; the metadata records the source.
ConvertResult run_convert(const ConvertRequest&, ProgressSink&, const CancelToken&);

}  // namespace weft
