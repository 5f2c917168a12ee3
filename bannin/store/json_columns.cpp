#include <simdjson.h>

#include <bannin/store/json_columns.h>

namespace bannin::store::detail {
namespace {

// One parser per thread (the writer, each API connection thread, the CLI), kept: its buffers
// grow to the largest column read and are reused, so a read allocates nothing once warm.
// The depth limit is set once; simdjson keeps it when the buffers grow.
simdjson::dom::parser& parser() {
  thread_local simdjson::dom::parser p;
  thread_local bool limited = false;
  if (!limited) {
    limited = p.allocate(4096, kJsonColumnMaxDepth) == simdjson::SUCCESS;
  }
  return p;
}

}  // namespace

bool json_valid(std::string_view text) {
  simdjson::dom::element doc;
  return parser().parse(text.data(), text.size()).get(doc) == simdjson::SUCCESS;
}

std::optional<std::string> json_member_string(std::string_view text, std::string_view key) {
  simdjson::dom::element doc;
  simdjson::dom::object object;
  if (parser().parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(object) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  std::optional<std::string> out;
  for (simdjson::dom::key_value_pair member : object) {
    if (member.key != key) continue;
    std::string_view value;
    if (member.value.get_string().get(value) == simdjson::SUCCESS) {
      out.emplace(value);
    } else {
      out.reset();
    }
  }
  return out;
}

}  // namespace bannin::store::detail
