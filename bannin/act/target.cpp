#include <bannin/act/target.h>

namespace bannin::act {

core::Result<Target> target_of(const decide::Decision& d) {
  std::string_view text;
  if (d.scope == "ip") {
    text = d.ip;
  } else if (d.scope == "prefix") {
    text = d.prefix;
  } else {
    return core::make_error("unsupported_scope",
                            "scope " + d.scope + " is not enforced at the address level");
  }
  auto t = Target::parse(text);
  if (!t) {
    return core::make_error("invalid_target",
                            "not an address or prefix: \"" + std::string(text) + "\"");
  }
  if (d.scope == "ip" && !t->is_single()) {
    return core::make_error("invalid_target", "scope ip with a prefix: " + std::string(text));
  }
  return *t;
}

}  // namespace bannin::act
