#pragma once
// weft::Error — every error a user can cause carries *what* went wrong and *where* (file, line, key, offset),
// so that front-ends can show one clear sentence instead of a crash.
#include <stdexcept>
#include <string>

namespace weft {

class Error : public std::runtime_error {
 public:
  Error(std::string what, std::string where = {});
  const std::string& what_part() const { return what_; }
  const std::string& where_part() const { return where_; }

 private:
  std::string what_;
  std::string where_;
};

// Thrown when a job stops because the user cancelled it; front-ends report it as "cancelled", not as a failure.
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("cancelled by the user") {}
};

}  // namespace weft
