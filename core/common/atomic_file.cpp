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

// Checks the target's folder and returns the name of a fresh temporary file in it.
std::string prepare_temp(const std::string& path) {
  fs::path target(path);
  if (target.filename().empty()) throw Error("not a file name", path);
  fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error("folder does not exist", dir.string());
  return temp_name_for(target);
}

void rename_onto(const std::string& tmp, const std::string& path) {
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw Error(std::string("cannot replace file: ") + std::strerror(errno), path);
}

class FdWriter final : public PositionalWriter {
 public:
  FdWriter(int fd, const std::string& path) : fd_(fd), path_(path) {}
  void write_at(const char* data, std::size_t size, std::uint64_t offset) const override {
    while (size > 0) {
      const ssize_t n = ::pwrite(fd_, data, size, off_t(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw Error(std::string("write failed: ") + (n < 0 ? std::strerror(errno) : "disk full?"), path_);
      data += n, size -= std::size_t(n), offset += std::uint64_t(n);
    }
  }

 private:
  int fd_;
  const std::string& path_;
};

}  // namespace

void write_file_atomic_at(const std::string& path, const std::function<void(const PositionalWriter&)>& fill) {
  const std::string tmp = prepare_temp(path);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) throw Error(std::string("cannot create file: ") + std::strerror(errno), tmp);
  try {
    fill(FdWriter(fd, path));
    if (::fsync(fd) != 0) throw Error(std::string("cannot flush to disk: ") + std::strerror(errno), path);
    const int closed = ::close(fd);
    fd = -1;
    if (closed != 0) throw Error(std::string("write failed: ") + std::strerror(errno), path);
    rename_onto(tmp, path);
  } catch (...) {
    if (fd >= 0) ::close(fd);
    std::remove(tmp.c_str());
    throw;
  }
}

void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& write) {
  const std::string tmp = prepare_temp(path);
  try {
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) throw Error(std::string("cannot create file: ") + std::strerror(errno), tmp);
      write(out);
      out.flush();
      if (!out) throw Error("write failed (disk full?)", path);
    }
    fsync_path(tmp);
    rename_onto(tmp, path);
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
