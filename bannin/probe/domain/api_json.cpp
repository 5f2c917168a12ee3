#include <bannin/core/json_writer.h>
#include <bannin/probe/domain/api_json.h>

namespace bannin::probe::domain::detail {

simdjson::padded_string padded_json(std::string_view json) {
  std::string clean;
  clean.reserve(json.size());
  core::utf8_append_replacing_invalid(clean, json);
  return simdjson::padded_string(clean);
}

std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7f ? c : '?');
  }
  if (s.size() > max) out += "…";
  return out;
}

std::string bad_json_message(std::string_view what, std::string_view body,
                             simdjson::error_code err) {
  if (body.empty()) return std::string(what) + " is empty (no JSON)";
  return std::string(what) + " is not valid JSON (" + simdjson::error_message(err) +
         "); it starts with '" + printable(body, 60) + "'";
}

std::string api_error_message(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::padded_string buf = padded_json(body);
  simdjson::dom::element doc;
  if (parser.parse(buf).get(doc) != simdjson::SUCCESS) return {};
  std::string_view msg;
  if (doc["error"]["message"].get_string().get(msg) == simdjson::SUCCESS) {
    std::string out = printable(msg, 160);
    std::string_view code;
    if (doc["error"]["code"].get_string().get(code) == simdjson::SUCCESS)
      out = printable(code, 40) + ": " + out;
    return out;
  }
  return {};
}

}  // namespace bannin::probe::domain::detail
