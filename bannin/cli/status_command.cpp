// `bannin status`: asks a running daemon for GET /api/v1/status and shows it to the operator
// (text, api/status_text.h) or passes the JSON through (--format json). Exit 0 when all is
// well, 1 when the daemon shows a problem (store unhealthy, source errors, drops), 2 when the
// daemon refused the request or answered nonsense, 3 when no daemon answers.
#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include <bannin/api/client.h>
#include <bannin/api/status_text.h>
#include <bannin/cli/commands.h>

namespace bannin::cli {
namespace {

struct StatusOptions {
  std::string url = std::string(api::kDefaultApiUrl);
  std::string token;
  std::string format = "text";
};

void status_fail(const std::string& message) {
  std::fprintf(stderr, "bannin status: %s\n", message.c_str());
}

int run_status(const StatusOptions& opt) {
  api::ClientOptions co;
  co.url = opt.url;
  co.token = opt.token;
  api::Client client(co);
  auto r = client.get("/api/v1/status");
  if (!r) {
    if (r.error().code == "bad_url") {
      status_fail(r.error().message);
      return 2;
    }
    status_fail(r.error().message +
                " — is the daemon running? start it with `bannin run`, or point "
                "--api at it");
    return 3;
  }
  if (r->status == 401) {
    status_fail(client.url() + " refused the request: " + api::api_error_message(*r) +
                " (--token or BANNIN_API_TOKEN)");
    return 2;
  }
  if (r->status != 200) {
    status_fail(client.url() + " answered HTTP " + std::to_string(r->status) + ": " +
                api::api_error_message(*r));
    return 2;
  }
  auto report = api::render_status(r->body);
  if (!report) {
    status_fail(client.url() + ": " + report.error().message);
    return 2;
  }
  if (opt.format == "json") {
    std::string out = r->body;
    if (out.empty() || out.back() != '\n') out.push_back('\n');
    std::fwrite(out.data(), 1, out.size(), stdout);
  } else {
    std::fwrite(report->text.data(), 1, report->text.size(), stdout);
  }
  return report->problems.empty() ? 0 : 1;
}

}  // namespace

void add_status_command(CLI::App& app, int& exit_code) {
  auto opt = std::make_shared<StatusOptions>();
  auto* cmd = app.add_subcommand(
      "status", "Show what a running daemon is doing: sources, queues, store, decisions");
  cmd->add_option("--api", opt->url, "The daemon's API (api.listen)")->capture_default_str();
  cmd->add_option("--token", opt->token, "API token, when the daemon has api.token set")
      ->envname("BANNIN_API_TOKEN");
  cmd->add_option("--format", opt->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->footer(
      "Exit status: 0 all well, 1 the daemon shows a problem (store unhealthy, source errors,\n"
      "anything dropped), 2 the daemon refused the request, 3 no daemon answering.\n");
  cmd->callback([opt, &exit_code] { exit_code = run_status(*opt); });
}

}  // namespace bannin::cli
