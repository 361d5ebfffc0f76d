#include "common/error.h"

namespace weft {

static std::string compose(const std::string& what, const std::string& where) {
  return where.empty() ? what : where + ": " + what;
}

Error::Error(std::string what, std::string where)
    : std::runtime_error(compose(what, where)), what_(std::move(what)), where_(std::move(where)) {}

}  // namespace weft
