// parse_pth on arbitrary bytes: the zip layer (libzip + our checks) and, through it, the restricted unpickler.
// Only weft::Error may leave the readers; anything else (crash, sanitizer report, leak) is a finding.
#include <cstdint>
#include <cstdlib>

#include "common/error.h"
#include "common/pth_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  for (bool load : {true, false}) {
    weft::PthOptions options;
    options.load_data = load;
    options.max_bytes = std::uint64_t(64) << 20;  // keep one input well under -rss_limit_mb
    options.max_values = 200000;
    try {
      const weft::PyValue value = weft::parse_pth(data, size, "fuzz", options);
      const weft::NamedTensors tensors = weft::flatten_tensors(value);
      for (const auto& t : tensors)
        if (load ? !t.tensor.has_data() : !t.tensor.data.empty()) std::abort();  // invariant of the reader
    } catch (const weft::Error&) {
    }
  }
  return 0;
}
