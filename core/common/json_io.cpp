#include "common/json_io.h"

namespace weft {

Json parse_json(std::string_view text, std::string_view where) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(std::string("invalid JSON at byte ") + std::to_string(e.byte), std::string(where));
  }
}

std::string weft_version() { return WEFT_VERSION_STRING; }

Json result_metadata(std::string_view job, const Json& request) {
  return Json{{"weft", {{"version", weft_version()}, {"job", std::string(job)}, {"request", request}}}};
}

}  // namespace weft
