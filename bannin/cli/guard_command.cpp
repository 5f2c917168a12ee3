// `bannin guard status` and `bannin record freeze|list|show` (docs/guard.md): the overload
// guard's state and the flight recorder, through a running daemon's API.
//
//   guard status [--format text|json]     GET /api/v1/guard
//   record freeze [--reason TEXT]         POST /api/v1/record/freeze: the rings to disk now
//   record list [--format text|json]      GET /api/v1/record: the frozen files
//   record show FILE                      a frozen file as text (a name from `list`, or a
//                                         path; read locally, no daemon needed)
//
// Exit status: 0 done, 2 the daemon refused or answered nonsense (show: the file cannot be
// read), 3 no daemon answers / bad arguments.
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include <bannin/api/client.h>
#include <bannin/api/json_value.h>
#include <bannin/api/status_text.h>
#include <bannin/app/flight_recorder.h>
#include <bannin/cli/commands.h>

namespace bannin::cli {
namespace {

struct ApiOptions {
  std::string url = std::string(api::kDefaultApiUrl);
  std::string token;
  std::string format = "text";
  std::string reason = "operator request";
  std::string file;
  std::string dir = "var/records";
};

void add_api_options(CLI::App* cmd, ApiOptions& o) {
  cmd->add_option("--api", o.url, "The daemon's API (api.listen)")->capture_default_str();
  cmd->add_option("--token", o.token, "API token, when the daemon has api.token set")
      ->envname("BANNIN_API_TOKEN");
}

// GET or POST `path`; the body of a 200, else prints why and sets `code`.
std::optional<std::string> call(const char* who, const ApiOptions& o, const std::string& path,
                                bool post, int& code) {
  api::ClientOptions co;
  co.url = o.url;
  co.token = o.token;
  co.timeout = std::chrono::milliseconds(10000);
  api::Client client(co);
  auto r = post ? client.post(path, "{}") : client.get(path);
  if (!r) {
    std::fprintf(stderr, "bannin %s: %s — is the daemon running? (--api)\n", who,
                 r.error().message.c_str());
    code = r.error().code == "bad_url" ? 2 : 3;
    return std::nullopt;
  }
  if (r->status != 200) {
    std::fprintf(stderr, "bannin %s: %s answered HTTP %d: %s\n", who, client.url().c_str(),
                 r->status, api::api_error_message(*r).c_str());
    code = 2;
    return std::nullopt;
  }
  return r->body;
}

std::string url_query(const std::string& v) {
  std::string out;
  for (unsigned char c : v) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      char b[4];
      std::snprintf(b, sizeof b, "%%%02X", c);
      out += b;
    }
  }
  return out;
}

void print(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
  if (s.empty() || s.back() != '\n') std::fputc('\n', stdout);
}

std::string text(const api::JsonValue* v) {
  if (v == nullptr) return "-";
  if (const auto* s = v->string()) return *s;
  if (v->is_number()) return v->number_text();
  return "-";
}

}  // namespace

void add_guard_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ApiOptions>();
  auto* guard = app.add_subcommand("guard", "The overload guard (docs/guard.md)");
  guard->require_subcommand(1);
  auto* status = guard->add_subcommand("status", "Guarded services, their state and transitions");
  add_api_options(status, *o);
  status->add_option("--format", o->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  status->callback([o, &exit_code] {
    int code = 0;
    auto body = call("guard status", *o, "/api/v1/guard", false, code);
    if (!body) {
      exit_code = code;
      return;
    }
    if (o->format == "json") {
      print(*body);
      exit_code = 0;
      return;
    }
    auto t = api::render_guard_text(*body);
    if (!t) {
      std::fprintf(stderr, "bannin guard status: %s\n", t.error().message.c_str());
      exit_code = 2;
      return;
    }
    print(*t);
    exit_code = 0;
  });

  auto* record = app.add_subcommand("record", "The flight recorder (docs/guard.md)");
  record->require_subcommand(1);
  auto* freeze =
      record->add_subcommand("freeze", "Write the last lines and KPI samples to disk now");
  add_api_options(freeze, *o);
  freeze->add_option("--reason", o->reason, "Why (goes into the file)")->capture_default_str();
  freeze->callback([o, &exit_code] {
    int code = 0;
    auto body = call("record freeze", *o, "/api/v1/record/freeze?reason=" + url_query(o->reason),
                     true, code);
    if (!body) {
      exit_code = code;
      return;
    }
    auto doc = api::parse_json(*body);
    if (doc) {
      std::printf("frozen: %s (%s lines, %s KPI samples, %s bytes)\n",
                  text(doc->find("path")).c_str(), text(doc->find("lines")).c_str(),
                  text(doc->find("kpi_samples")).c_str(), text(doc->find("bytes")).c_str());
    } else {
      print(*body);
    }
    exit_code = 0;
  });
  auto* list = record->add_subcommand("list", "The frozen files, newest first");
  add_api_options(list, *o);
  list->add_option("--format", o->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  list->callback([o, &exit_code] {
    int code = 0;
    auto body = call("record list", *o, "/api/v1/record", false, code);
    if (!body) {
      exit_code = code;
      return;
    }
    if (o->format == "json") {
      print(*body);
      exit_code = 0;
      return;
    }
    auto doc = api::parse_json(*body);
    if (!doc) {
      std::fprintf(stderr, "bannin record list: %s\n", doc.error().message.c_str());
      exit_code = 2;
      return;
    }
    const api::JsonValue* files = doc->find("files");
    std::printf("%-60s %10s  %s\n", "FILE", "BYTES", "DIRECTORY");
    const api::JsonValue* rec = doc->find("recorder");
    const std::string dir = rec ? text(rec->find("dir")) : "-";
    if (files != nullptr && files->is_array()) {
      for (const auto& f : files->items()) {
        std::printf("%-60s %10s  %s\n", text(f.find("name")).c_str(), text(f.find("bytes")).c_str(),
                    dir.c_str());
      }
    }
    exit_code = 0;
  });
  auto* show = record->add_subcommand("show", "A frozen file as text (read locally)");
  show->add_option("file", o->file, "A file name from `record list`, or a path")->required();
  show->add_option("--dir", o->dir, "Where the frozen files are (records/ beside the store)")
      ->capture_default_str();
  show->callback([o, &exit_code] {
    std::string path = o->file;
    if (path.find('/') == std::string::npos) path = o->dir + "/" + path;
    auto t = app::read_frozen(path, 1ULL << 30);
    if (!t) {
      std::fprintf(stderr, "bannin record show: %s\n", t.error().message.c_str());
      exit_code = 2;
      return;
    }
    std::fwrite(t->data(), 1, t->size(), stdout);
    exit_code = 0;
  });
}

}  // namespace bannin::cli
