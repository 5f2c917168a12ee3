// `bannin quarantine …`: the files bannin put in quarantine (act/quarantine/, docs/accounts.md),
// and the way back. Every action is recorded in the store (tables quarantine and
// quarantine_history) with who did it.
//
//   list [--state S] [--format table|json]   newest first
//   show ID [--format table|json]            one entry with its audit trail
//   restore ID                               the file back, byte-identical, mode and owner too
//   purge ID                                 the quarantined bytes deleted for good
//   file PATH [--method chmod|move]          quarantine a file by hand
//
// Restoring also revokes the file decision still in force on that path (so a restart of the
// daemon does not quarantine it again), and the daemon does not quarantine the same bytes
// again: a restore says "this file is fine".
//
// Exit status: 0 done, 1 no such entry, or refused (already restored or purged, the bytes
// changed, something else is at the path now), 2 the store or the file system failed, 3 bad
// arguments.
#include <charconv>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <bannin/act/quarantine/quarantine.h>
#include <bannin/cli/commands.h>
#include <bannin/core/json_writer.h>
#include <bannin/core/time.h>
#include <bannin/store/store.h>

namespace bannin::cli {
namespace {

namespace aq = act::quarantine;

struct QuarantineOptions {
  std::string store = "var/bannin.db";
  std::string id;
  std::string path;
  std::string state;
  std::string format = "table";
  std::string method = "chmod";
  std::string dir = "/var/lib/bannin/quarantine";
  std::string reason = "quarantined by hand";
};

int fail(const char* sub, const std::string& message, int code) {
  std::fprintf(stderr, "bannin quarantine %s: %s\n", sub, message.c_str());
  return code;
}

bool parse_id(const std::string& text, std::int64_t& out) {
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && p == end && out > 0;
}

aq::Entry entry_of(const store::QuarantineRow& r) {
  aq::Entry e;
  e.id = r.id;
  e.path = r.path;
  e.stored_path = r.stored_path;
  (void)aq::parse_method(r.method, e.method);
  e.old_mode = static_cast<std::uint32_t>(r.old_mode);
  e.uid = r.uid;
  e.gid = r.gid;
  e.size = r.size;
  e.mtime = r.mtime;
  e.sha256 = r.sha256;
  e.ts = r.ts;
  e.reason = r.reason;
  e.origin = r.origin;
  e.state = r.state;
  return e;
}

std::string mode_text(std::int64_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04llo", static_cast<unsigned long long>(m));
  return buf;
}

void row_json(std::string& out, const store::QuarantineRow& r) {
  core::JsonObjectWriter w(out);
  w.integer("id", r.id);
  w.string("ts", core::format_rfc3339(r.ts));
  w.string("path", r.path);
  w.string("stored_path", r.stored_path);
  w.string("method", r.method);
  w.string("old_mode", mode_text(r.old_mode));
  w.integer("uid", r.uid);
  w.integer("gid", r.gid);
  w.integer("size", r.size);
  w.string("mtime", core::format_rfc3339(r.mtime));
  w.string("sha256", r.sha256);
  w.string("reason", r.reason);
  w.string("origin", r.origin);
  w.string("state", r.state);
  w.string("state_ts", core::format_rfc3339(r.state_ts));
  w.close();
}

core::Result<std::unique_ptr<store::Store>> open_existing(const std::string& path) {
  store::OpenOptions oo;
  oo.create = false;
  auto st = store::Store::open(path, oo);
  if (!st) return core::make_error("store", path + ": " + st.error().message);
  return st;
}

int run_list(const QuarantineOptions& o) {
  if (!o.state.empty() && o.state != "quarantined" && o.state != "restored" &&
      o.state != "purged") {
    return fail("list", "--state: use quarantined, restored or purged", kUsageExitCode);
  }
  auto st = open_existing(o.store);
  if (!st) return fail("list", st.error().message, 2);
  auto rows = (*st)->quarantines(o.state);
  if (!rows) return fail("list", rows.error().message, 2);
  if (o.format == "json") {
    std::string out = "[";
    for (std::size_t i = 0; i < rows->size(); ++i) {
      if (i) out += ',';
      row_json(out, (*rows)[i]);
    }
    out += "]";
    std::printf("%s\n", out.c_str());
    return 0;
  }
  std::printf("%-5s %-20s %-11s %-6s %-5s %10s  %s\n", "ID", "WHEN", "STATE", "METHOD", "MODE",
              "SIZE", "PATH");
  for (const auto& r : *rows) {
    std::printf("%-5lld %-20s %-11s %-6s %-5s %10lld  %s\n", static_cast<long long>(r.id),
                core::format_rfc3339(r.ts).substr(0, 19).c_str(), r.state.c_str(), r.method.c_str(),
                mode_text(r.old_mode).c_str(), static_cast<long long>(r.size), r.path.c_str());
  }
  if (rows->empty()) std::fprintf(stderr, "nothing in quarantine\n");
  return 0;
}

int run_show(const QuarantineOptions& o) {
  std::int64_t id = 0;
  if (!parse_id(o.id, id)) return fail("show", "ID must be a positive number", kUsageExitCode);
  auto st = open_existing(o.store);
  if (!st) return fail("show", st.error().message, 2);
  auto r = (*st)->quarantine(id);
  if (!r) return fail("show", r.error().message, r.error().code == "not_found" ? 1 : 2);
  auto events = (*st)->quarantine_events(id);
  if (!events) return fail("show", events.error().message, 2);
  if (o.format == "json") {
    std::string out;
    core::JsonObjectWriter w(out);
    w.key("entry");
    row_json(out, *r);
    w.key("history");
    out += '[';
    for (std::size_t i = 0; i < events->size(); ++i) {
      if (i) out += ',';
      const auto& e = (*events)[i];
      core::JsonObjectWriter h(out);
      h.string("ts", core::format_rfc3339(e.ts));
      h.string("action", e.action);
      h.string("result", e.result);
      h.string("actor", e.actor);
      h.string("detail", e.detail);
      h.close();
    }
    out += ']';
    w.close();
    std::printf("%s\n", out.c_str());
    return 0;
  }
  std::printf(
      "quarantine %lld: %s\n  state %s since %s\n  %s, was mode %s, owner %lld:%lld, "
      "%lld bytes\n  sha256 %s\n  bytes at %s\n  why: %s (%s)\n",
      static_cast<long long>(r->id), r->path.c_str(), r->state.c_str(),
      core::format_rfc3339(r->state_ts).c_str(), r->method.c_str(), mode_text(r->old_mode).c_str(),
      static_cast<long long>(r->uid), static_cast<long long>(r->gid),
      static_cast<long long>(r->size), r->sha256.c_str(), r->stored_path.c_str(), r->reason.c_str(),
      r->origin.c_str());
  for (const auto& e : *events) {
    std::printf("  %s %s %s by %s%s%s\n", core::format_rfc3339(e.ts).c_str(), e.action.c_str(),
                e.result.c_str(), e.actor.c_str(), e.detail.empty() ? "" : ": ", e.detail.c_str());
  }
  return 0;
}

// restore and purge: the entry, the file operation, the record (or the failure's record).
int run_end(const QuarantineOptions& o, bool restore) {
  const char* sub = restore ? "restore" : "purge";
  std::int64_t id = 0;
  if (!parse_id(o.id, id)) return fail(sub, "ID must be a positive number", kUsageExitCode);
  auto st = open_existing(o.store);
  if (!st) return fail(sub, st.error().message, 2);
  auto row = (*st)->quarantine(id);
  if (!row) return fail(sub, row.error().message, row.error().code == "not_found" ? 1 : 2);
  if (row->state != "quarantined") {
    return fail(sub, "quarantine " + o.id + " is already " + row->state, 1);
  }
  const aq::Entry e = entry_of(*row);
  const core::TimeNs now = core::clock_ns(CLOCK_REALTIME);
  auto done = restore ? aq::restore_file(e) : aq::purge_file(e);
  if (!done) {
    (void)(*st)->add_quarantine_event(
        store::QuarantineEventRow{id, now, restore ? "restore" : "purge", "failed", command_actor(),
                                  e.path, done.error().message});
    const std::string& c = done.error().code;
    return fail(sub, done.error().message,
                c == "changed" || c == "occupied" || c == "bad_entry" ? 1 : 2);
  }
  std::string detail = restore ? "mode " + mode_text(e.old_mode) + ", owner " +
                                     std::to_string(e.uid) + ":" + std::to_string(e.gid)
                               : "deleted " + e.stored_path;
  if (auto r =
          (*st)->end_quarantine(id, restore ? "restored" : "purged", now, command_actor(), detail);
      !r) {
    return fail(sub, "done, but not recorded: " + r.error().message, 2);
  }
  // The file decision in force on this path ends with the restore: the daemon must not
  // quarantine it again at its next start (it re-applies what the store says is in force).
  if (restore) {
    if (auto in_force = (*st)->find_in_force(e.path, now)) {
      for (const auto& d : *in_force) {
        if (d.scope != "file") continue;
        (void)(*st)->set_state(d.id, "revoked", now,
                               "file restored from quarantine " + o.id + " by " + command_actor());
      }
    }
  }
  if (o.format == "json") {
    std::string out;
    core::JsonObjectWriter w(out);
    w.integer("id", id);
    w.string("state", restore ? "restored" : "purged");
    w.string("path", e.path);
    w.close();
    std::printf("%s\n", out.c_str());
  } else {
    std::fprintf(stderr, "quarantine %s: %s %s\n", o.id.c_str(), e.path.c_str(),
                 restore ? "restored (bytes, mode, owner and mtime as before)" : "purged");
  }
  return 0;
}

int run_file(const QuarantineOptions& o) {
  aq::Method m{};
  if (!aq::parse_method(o.method, m)) {
    return fail("file", "--method: use chmod or move", kUsageExitCode);
  }
  if (o.path.empty() || o.path.front() != '/') {
    return fail("file", "PATH must be absolute", kUsageExitCode);
  }
  auto st = store::Store::open(o.store);
  if (!st) return fail("file", o.store + ": " + st.error().message, 2);
  if (auto last = (*st)->last_quarantine(o.path); last && last->state == "quarantined") {
    return fail("file", o.path + " is in quarantine already (" + std::to_string(last->id) + ")", 1);
  }
  const core::TimeNs now = core::clock_ns(CLOCK_REALTIME);
  auto e = aq::quarantine_file(o.path, m, o.dir, now);
  if (!e) {
    (void)(*st)->add_quarantine_event(store::QuarantineEventRow{
        0, now, "quarantine", "failed", command_actor(), o.path, e.error().message});
    const std::string& c = e.error().code;
    return fail("file", e.error().message, c == "not_found" || c == "not_regular" ? 1 : 2);
  }
  store::QuarantineRow q;
  q.ts = e->ts;
  q.path = e->path;
  q.stored_path = e->stored_path;
  q.method = std::string(aq::method_name(e->method));
  q.old_mode = e->old_mode;
  q.uid = e->uid;
  q.gid = e->gid;
  q.size = e->size;
  q.mtime = e->mtime;
  q.sha256 = e->sha256;
  q.reason = o.reason;
  q.origin = "person";
  auto id = (*st)->add_quarantine(q, command_actor());
  if (!id) {
    auto undo = aq::restore_file(*e);
    return fail(
        "file",
        "not recorded (" + id.error().message + "); " +
            (undo ? "the file was put back" : "putting it back failed: " + undo.error().message),
        2);
  }
  if (o.format == "json") {
    std::string out;
    core::JsonObjectWriter w(out);
    w.integer("id", *id);
    w.string("path", e->path);
    w.string("sha256", e->sha256);
    w.close();
    std::printf("%s\n", out.c_str());
  } else {
    std::printf("%lld\n", static_cast<long long>(*id));
    std::fprintf(stderr,
                 "%s quarantined (%s) as %lld; `bannin quarantine restore %lld` undoes it\n",
                 e->path.c_str(), q.method.c_str(), static_cast<long long>(*id),
                 static_cast<long long>(*id));
  }
  return 0;
}

}  // namespace

std::string command_actor() {
  const char* sudo = std::getenv("SUDO_USER");
  const char* user = std::getenv("USER");
  std::string who = sudo != nullptr ? sudo : user != nullptr ? user : "";
  if (who.empty()) who = "uid " + std::to_string(::getuid());
  return "person " + who;
}

void add_quarantine_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "quarantine",
      "Files in quarantine (planted files, docs/accounts.md): list, show, restore, purge, file");
  cmd->require_subcommand(1);
  auto opt = std::make_shared<QuarantineOptions>();
  const auto common = [&](CLI::App* sub) {
    sub->add_option("--store", opt->store, "The daemon's store (store.path)")
        ->capture_default_str();
    sub->add_option("--format", opt->format, "table or json")
        ->check(CLI::IsMember({"table", "json"}))
        ->capture_default_str();
  };
  auto* list = cmd->add_subcommand("list", "Entries, newest first");
  list->add_option("--state", opt->state, "Only quarantined, restored or purged");
  common(list);
  list->callback([opt, &exit_code] { exit_code = run_list(*opt); });

  auto* show = cmd->add_subcommand("show", "One entry and its audit trail");
  show->add_option("id", opt->id, "The entry's ID (bannin quarantine list)")->required();
  common(show);
  show->callback([opt, &exit_code] { exit_code = run_show(*opt); });

  auto* restore = cmd->add_subcommand(
      "restore", "Put the file back: the same bytes (checked by SHA-256), mode, owner and mtime");
  restore->add_option("id", opt->id, "The entry's ID (bannin quarantine list)")->required();
  common(restore);
  restore->callback([opt, &exit_code] { exit_code = run_end(*opt, true); });

  auto* purge = cmd->add_subcommand("purge", "Delete the quarantined bytes for good");
  purge->add_option("id", opt->id, "The entry's ID (bannin quarantine list)")->required();
  common(purge);
  purge->callback([opt, &exit_code] { exit_code = run_end(*opt, false); });

  auto* file = cmd->add_subcommand("file", "Quarantine a file by hand (recorded as a person's)");
  file->add_option("path", opt->path, "Absolute path of a regular file")->required();
  file->add_option("--method", opt->method, "chmod (mode 000 in place) or move")
      ->check(CLI::IsMember({"chmod", "move"}))
      ->capture_default_str();
  file->add_option("--dir", opt->dir, "Quarantine directory for --method move")
      ->capture_default_str();
  file->add_option("--reason", opt->reason, "Why, for the record")->capture_default_str();
  common(file);
  file->callback([opt, &exit_code] { exit_code = run_file(*opt); });
}

}  // namespace bannin::cli
