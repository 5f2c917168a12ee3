#include <bannin/core/json_writer.h>
#include <bannin/decide/decision.h>

namespace bannin::decide {

std::string target_json(const Decision& d) {
  std::string out;
  core::JsonObjectWriter t(out);
  if (d.scope == "ip") {
    t.string("ip", d.ip);
  } else if (d.scope == "prefix") {
    t.string("prefix", d.prefix);
  } else if (d.scope == "file") {
    t.string("file", d.file);
  } else if (d.scope == "account") {
    t.string("account", d.account);
  } else if (d.scope == "user") {
    t.string("user", d.user);
  } else if (d.scope == "process") {
    t.string("process", d.process);
    if (!d.account.empty()) t.string("account", d.account);
  } else {
    t.string("vhost", d.vhost);
    t.string("path", d.path);
    if (!d.method.empty()) t.string("method", d.method);
    t.key("except_countries");
    out += '[';
    for (std::size_t i = 0; i < d.except_countries.size(); ++i) {
      if (i) out += ',';
      core::json_append_string(out, d.except_countries[i]);
    }
    out += ']';
  }
  t.close();
  return out;
}

}  // namespace bannin::decide
