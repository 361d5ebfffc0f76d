#include "common/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "common/error.h"

namespace weft {
namespace fs = std::filesystem;

namespace {

std::string temp_name_for(const fs::path& target) {
  std::random_device rd;  // only names the temp file; never part of a job's output
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, ".%08x.part", static_cast<unsigned>(rd()));
  return (target.parent_path() / ("." + target.filename().string() + suffix)).string();
}

void fsync_path(const std::string& p) {
  int fd = ::open(p.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& write) {
  fs::path target(path);
  if (target.filename().empty()) throw Error("not a file name", path);
  fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error("folder does not exist", dir.string());
  const std::string tmp = temp_name_for(target);
  try {
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) throw Error(std::string("cannot create file: ") + std::strerror(errno), tmp);
      write(out);
      out.flush();
      if (!out) throw Error("write failed (disk full?)", path);
    }
    fsync_path(tmp);
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
      throw Error(std::string("cannot replace file: ") + std::strerror(errno), path);
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  write_file_atomic(path, [&](std::ostream& out) { out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); });
}

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw Error("is a folder, not a file", path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(std::string("cannot open file: ") + std::strerror(errno), path);
  in.seekg(0, std::ios::end);
  std::streamoff n = in.tellg();
  if (n < 0) throw Error("cannot determine file size", path);
  in.seekg(0);
  std::string data(static_cast<size_t>(n), '\0');
  if (n > 0 && !in.read(data.data(), n)) throw Error("read failed", path);
  return data;
}

}  // namespace weft
