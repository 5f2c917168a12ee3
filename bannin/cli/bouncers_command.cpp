// `bannin bouncers …`: the CrowdSec bouncers allowed to read bannin's decision stream
// (api/lapi.h, docs/bouncers.md). Keys live in the store; only their SHA-256 is kept, so a key
// is shown once, when it is made.
//
//   add NAME [--key KEY]   prints the new key (or takes one, 16+ printable characters)
//   list [--format table|json]
//   delete NAME            the bouncer's next poll gets 403
//
// Exit status: 0 done, 1 no such bouncer (delete) or the name is taken (add), 2 the store
// cannot be used, 3 bad arguments.
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include <bannin/api/lapi.h>
#include <bannin/cli/commands.h>
#include <bannin/core/json_writer.h>
#include <bannin/core/time.h>
#include <bannin/store/store.h>

namespace bannin::cli {
namespace {

struct BouncersOptions {
  std::string store = "var/bannin.db";
  std::string name;
  std::string key;
  std::string format = "table";
};

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

int fail(const core::Error& e, int code) {
  std::fprintf(stderr, "bannin bouncers: %s\n", e.message.c_str());
  return code;
}

int run_add(const BouncersOptions& o) {
  if (!valid_name(o.name)) {
    std::fprintf(stderr,
                 "bannin bouncers add: NAME \"%s\": use 1-64 letters, digits, '-', '_' or '.'\n",
                 o.name.substr(0, 80).c_str());
    return kUsageExitCode;
  }
  std::string key = o.key;
  if (!key.empty()) {
    bool ok = key.size() >= 16 && key.size() <= 256;
    for (char c : key) ok = ok && c > ' ' && c <= '~';
    if (!ok) {
      std::fprintf(
          stderr,
          "bannin bouncers add: --key must be 16-256 printable characters without spaces\n");
      return kUsageExitCode;
    }
  } else {
    auto k = api::new_bouncer_key();
    if (!k) return fail(k.error(), 2);
    key = *k;
  }
  auto st = store::Store::open(o.store);  // made when missing: the daemon will use it
  if (!st) return fail(core::make_error("store", o.store + ": " + st.error().message), 2);
  store::BouncerRow row;
  row.name = o.name;
  row.key_hash = api::key_hash(key);
  row.created = core::clock_ns(CLOCK_REALTIME);
  // A new bouncer starts with startup=true, which sends everything in force; its cursor is set
  // then. 0 here means "has never polled".
  if (auto r = (*st)->add_bouncer(row); !r)
    return fail(r.error(), r.error().code == "conflict" ? 1 : 2);
  std::printf("%s\n", key.c_str());
  std::fprintf(stderr,
               "bouncer %s added. The key above is shown only now: put it in the bouncer's "
               "configuration as api_key, with api_url http://<api.listen>/\n",
               o.name.c_str());
  return 0;
}

int run_list(const BouncersOptions& o) {
  store::OpenOptions oo;
  oo.create = false;
  auto st = store::Store::open(o.store, oo);
  if (!st) return fail(core::make_error("store", o.store + ": " + st.error().message), 2);
  auto rows = (*st)->bouncers();
  if (!rows) return fail(rows.error(), 2);
  if (o.format == "json") {
    std::string out = "[";
    bool first = true;
    for (const auto& b : *rows) {
      if (!first) out += ",";
      first = false;
      core::JsonObjectWriter w(out);
      w.string("name", b.name);
      w.string("created", core::format_rfc3339(b.created));
      if (b.last_pull != 0) {
        w.string("last_pull", core::format_rfc3339(b.last_pull));
      } else {
        w.null("last_pull");
      }
      w.integer("cursor", b.cursor);
      w.close();
    }
    out += "]";
    std::printf("%s\n", out.c_str());
    return 0;
  }
  std::printf("%-24s %-25s %s\n", "NAME", "CREATED", "LAST POLL");
  for (const auto& b : *rows) {
    std::printf("%-24s %-25s %s\n", b.name.c_str(), core::format_rfc3339(b.created).c_str(),
                b.last_pull != 0 ? core::format_rfc3339(b.last_pull).c_str() : "never");
  }
  if (rows->empty()) std::fprintf(stderr, "no bouncers; add one with: bannin bouncers add NAME\n");
  return 0;
}

int run_delete(const BouncersOptions& o) {
  store::OpenOptions oo;
  oo.create = false;
  auto st = store::Store::open(o.store, oo);
  if (!st) return fail(core::make_error("store", o.store + ": " + st.error().message), 2);
  if (auto r = (*st)->delete_bouncer(o.name); !r) {
    return fail(r.error(), r.error().code == "not_found" ? 1 : 2);
  }
  std::fprintf(stderr, "bouncer %s deleted; its key is refused from now on\n", o.name.c_str());
  return 0;
}

}  // namespace

void add_bouncers_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "bouncers", "CrowdSec bouncers that enforce bannin's ip/prefix decisions (docs/bouncers.md)");
  cmd->require_subcommand(1);
  auto opt = std::make_shared<BouncersOptions>();
  const auto store_option = [&](CLI::App* sub) {
    sub->add_option("--store", opt->store, "The daemon's store (store.path)")
        ->capture_default_str();
  };
  auto* add = cmd->add_subcommand("add", "Add a bouncer and print its new key (shown once)");
  add->add_option("name", opt->name, "A name for the bouncer (letters, digits, - _ .)")->required();
  add->add_option("--key", opt->key, "Use this key instead of a random one (16+ characters)");
  store_option(add);
  add->callback([opt, &exit_code] { exit_code = run_add(*opt); });

  auto* list = cmd->add_subcommand("list", "The bouncers, when each was added and last polled");
  list->add_option("--format", opt->format, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  store_option(list);
  list->callback([opt, &exit_code] { exit_code = run_list(*opt); });

  auto* del = cmd->add_subcommand("delete", "Remove a bouncer; its key is refused from then on");
  del->add_option("name", opt->name, "The bouncer's name")->required();
  store_option(del);
  del->callback([opt, &exit_code] { exit_code = run_delete(*opt); });
}

}  // namespace bannin::cli
