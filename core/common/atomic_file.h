#pragma once
// Every export goes through here: data is written to a temporary file next to the target, flushed, and renamed
// over it, so a crash, a full disk or a cancel never leaves a half-written output behind.
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace weft {

// Calls `write` with a stream to a temporary file in the target's folder; on success renames it onto `path`.
// If `write` throws (or the stream fails), the temporary file is removed and the target is left untouched.
void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& write);
void write_file_atomic(const std::string& path, std::string_view bytes);

// For large files filled in parallel: `fill` gets a writer that puts bytes at an offset of the temporary file and
// may be called from several threads at once (pwrite; each call writes its whole range or throws). Same guarantees
// as above: on success the file is flushed to disk and renamed onto `path`, on any exception it is removed.
class PositionalWriter {
 public:
  virtual ~PositionalWriter() = default;
  virtual void write_at(const char* data, std::size_t size, std::uint64_t offset) const = 0;
};
void write_file_atomic_at(const std::string& path, const std::function<void(const PositionalWriter&)>& fill);

// Reads a whole file; throws weft::Error naming the path when it cannot.
std::string read_file(const std::string& path);

}  // namespace weft
