// Fuzz target for the loopback API's request side (bannin/api/): the strict JSON reader
// (json_value.h), the POST /api/v1/decisions body validation (decision_request.h) and the
// Router (router.h) in front of a stub Backend. The input reads as a small HTTP request:
//
//   METHOD TARGET            e.g. "POST /api/v1/decisions?note=x"; TARGET is percent-decoded
//   Name: value              Host, Authorization, Content-Type, If-None-Match; X-Token: T gives the
//   router a …                        token, X-Any-Host: 1 turns loopback_host_only off, X-Backend:
//   M
//                            makes the stub answer ok | zero | throw | error CODE
//   (empty line)
//   body                     also fed alone to parse_json, parse_decision_request,
//                            parse_duration_s and canonical_target
//
// Checks, besides no crash / leak / UB: a parsed JSON tree written back out parses again to
// the same tree; a failed parse reports an offset inside the input; an accepted decision
// holds only what the API promises (canonical target, ttl in range, clean reason); every
// response has a documented status and, except /metrics, a body that is valid JSON; the
// findings and incidents queries the router accepts are in range (finding_query.h).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/api/backend.h>
#include <bannin/api/decision_request.h>
#include <bannin/api/finding_query.h>
#include <bannin/api/json_value.h>
#include <bannin/api/router.h>
#include <bannin/core/json_writer.h>

namespace {

using namespace bannin;

constexpr core::TimeNs kNow = 1'767'225'600'000'000'000;  // 2026-01-01T00:00:00Z

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

// Writes a parsed tree back as JSON (strings through the project's writer, numbers as read).
void write_json(std::string& out, const api::JsonValue& v) {
  switch (v.type()) {
    case api::JsonValue::Type::Null:
      out += "null";
      return;
    case api::JsonValue::Type::Bool:
      out += *v.boolean() ? "true" : "false";
      return;
    case api::JsonValue::Type::Number:
      out += v.number_text();
      return;
    case api::JsonValue::Type::String:
      check(core::json_append_string(out, *v.string()) == 0, "parsed string is not UTF-8");
      return;
    case api::JsonValue::Type::Array:
    case api::JsonValue::Type::Object: {
      const bool obj = v.is_object();
      out += obj ? '{' : '[';
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (i > 0) out += ',';
        if (obj) {
          check(core::json_append_string(out, v.keys()[i]) == 0, "parsed key is not UTF-8");
          out += ':';
        }
        write_json(out, v.items()[i]);
      }
      out += obj ? '}' : ']';
      return;
    }
  }
}

bool same_tree(const api::JsonValue& a, const api::JsonValue& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case api::JsonValue::Type::Null:
      return true;
    case api::JsonValue::Type::Bool:
      return a.boolean() == b.boolean();
    case api::JsonValue::Type::Number:
      return a.number_text() == b.number_text() && a.integer() == b.integer();
    case api::JsonValue::Type::String:
      return *a.string() == *b.string();
    case api::JsonValue::Type::Array:
    case api::JsonValue::Type::Object:
      if (a.size() != b.size() || a.keys() != b.keys()) return false;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!same_tree(a.items()[i], b.items()[i])) return false;
      }
      return true;
  }
  return false;
}

void check_json(std::string_view text) {
  std::size_t offset = static_cast<std::size_t>(-1);
  auto doc = api::parse_json(text, &offset);
  if (!doc) {
    check(doc.error().code == "bad_json", "parse_json error code is not bad_json");
    check(offset <= text.size(), "parse_json error offset past the input");
    check(doc.error().message.rfind("offset ", 0) == 0, "parse_json error is not located");
    return;
  }
  check(offset == static_cast<std::size_t>(-1), "parse_json set an offset on success");
  if (doc->is_object()) {
    check(doc->keys().size() == doc->items().size(), "object keys and values differ in count");
    for (std::size_t i = 0; i < doc->keys().size(); ++i) {
      check(doc->find(doc->keys()[i]) == &doc->items()[i], "find() misses a unique key");
    }
  } else {
    check(doc->keys().empty(), "keys on a non-object");
  }
  if (auto n = doc->integer())
    check(doc->number() && *doc->number() == static_cast<double>(*n),
          "integer() and number() disagree");
  std::string again;
  write_json(again, *doc);
  auto round = api::parse_json(again);
  check(round.has_value(), "a parsed tree written back out does not parse");
  check(same_tree(*doc, *round), "a parsed tree does not survive a round trip");
}

// What the API promises about a decision it accepted.
void check_decision(const decide::Decision& d) {
  check(d.origin == "person" && d.rule == api::kApiRule, "API decision origin/rule");
  check(d.action == "deny", "API decision action is not deny");
  check(d.ts == kNow, "API decision ts is not the router clock");
  check(d.ttl > 0 && d.ttl <= api::kMaxTtlS * core::kNsPerSec, "API decision ttl out of range");
  check(!d.reason.empty() && d.reason.size() <= api::kMaxReasonBytes, "API decision reason size");
  for (char c : d.reason) {
    const auto u = static_cast<unsigned char>(c);
    check(u >= 0x20 && u != 0x7F, "API decision reason holds a control character");
  }
  check(d.scope == "ip" || d.scope == "prefix", "API decision scope");
  const std::string& target = d.scope == "ip" ? d.ip : d.prefix;
  check((d.scope == "ip" ? d.prefix : d.ip).empty(), "API decision has both ip and prefix");
  auto again = api::canonical_target(target, d.scope);
  check(again.has_value() && *again == target, "API decision target is not canonical");
}

// What parse_finding_query promises (api/finding_query.h).
void check_query(const api::FindingQuery& q) {
  check(q.limit >= 1 && q.limit <= api::kMaxLimit, "finding query limit out of range");
  check(q.from <= q.to, "finding query from after to");
  check(q.before_id >= 0, "finding query cursor negative");
  for (const std::string* s : {&q.rule, &q.text, &q.vhost, &q.account}) {
    check(s->size() <= 256, "finding query text over 256 bytes");
    for (char c : *s) {
      const auto u = static_cast<unsigned char>(c);
      check(u >= 0x20 && u != 0x7F, "finding query text holds a control character");
    }
  }
  if (q.before_id > 0) {
    for (auto kind : {api::CursorKind::Findings, api::CursorKind::Incidents}) {
      auto again = api::decode_cursor(kind, api::encode_cursor(kind, q.before_id));
      check(again && *again == q.before_id, "cursor does not round-trip");
    }
  }
}

// The daemon's side, scripted by the X-Backend header.
class StubBackend final : public api::Backend {
 public:
  std::string mode = "ok";
  std::string error_code = "conflict";

  std::string status_json() override {
    maybe_throw();
    return R"({"daemon":{"version":"fuzz","mode":"observe"},"sources":[],"queues":[]})";
  }
  core::Result<std::string> decisions_json(const std::string& state) override {
    maybe_throw();
    if (mode == "error") return core::make_error(error_code, "stub refused " + state);
    std::string out = "[";
    core::JsonObjectWriter o(out);
    o.string("state", state);
    o.close();
    out += "]";
    return out;
  }
  core::Result<std::string> add_decision(const decide::Decision& d) override {
    check_decision(d);
    maybe_throw();
    if (mode == "error") return core::make_error(error_code, "");
    std::string out;
    core::JsonObjectWriter o(out);
    o.integer("id", 1);
    o.string("scope", d.scope);
    o.string("target", d.scope == "ip" ? d.ip : d.prefix);
    o.integer("ttl_s", d.ttl / core::kNsPerSec);
    o.string("reason", d.reason);
    o.close();
    return out;
  }
  core::Result<int> revoke_id(std::int64_t id, const std::string& note) override {
    check(id > 0, "revoke id not positive");
    check(!note.empty() && note.size() <= api::kMaxReasonBytes, "revoke note size");
    maybe_throw();
    if (mode == "error") return core::make_error(error_code, "stub refused");
    return mode == "zero" ? 0 : 1;
  }
  core::Result<int> revoke(const std::string& target, const std::string& note) override {
    auto again = api::canonical_target(target, "");
    check(again.has_value() && *again == target, "revoke target is not canonical");
    check(!note.empty() && note.size() <= api::kMaxReasonBytes, "revoke note size");
    maybe_throw();
    if (mode == "error") return core::make_error(error_code, "stub refused " + target);
    return mode == "zero" ? 0 : 2;
  }
  std::string metrics_text() override {
    maybe_throw();
    return "# TYPE bannin_up gauge\nbannin_up 1\n";
  }
  // Findings, incidents, rules: what the router hands over must be in range.
  core::Result<std::string> findings_json(const api::FindingQuery& q) override {
    check_query(q);
    maybe_throw();
    if (mode == "error") return core::make_error(error_code, "stub refused");
    return std::string(R"({"findings":[],"next_cursor":null,"limit":1})");
  }
  core::Result<std::string> incidents_json(const api::FindingQuery& q) override {
    check_query(q);
    maybe_throw();
    if (mode == "error") return core::make_error(error_code, "stub refused");
    return std::string(R"({"incidents":[],"next_cursor":null})");
  }
  core::Result<std::string> incident_json(std::int64_t id) override {
    check(id > 0, "incident id not positive");
    maybe_throw();
    if (mode == "error") return core::make_error(error_code, "stub refused");
    return "{\"id\":" + std::to_string(id) + "}";
  }
  core::Result<std::string> rules_json() override {
    maybe_throw();
    return std::string(R"({"load":{},"rules":[]})");
  }

 private:
  void maybe_throw() const {
    if (mode == "throw") throw std::runtime_error("stub backend failure");
    if (mode == "throw_int") throw 42;  // not a std::exception
  }
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

struct Input {
  api::HttpRequest request;
  api::RouterOptions options;
  StubBackend backend;
};

void read_request(std::string_view text, Input& in) {
  std::size_t pos = 0;
  auto next_line = [&](std::string_view& line) {
    if (pos > text.size()) return false;
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    line = text.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl + 1;
    return true;
  };
  std::string_view line;
  if (!next_line(line)) return;
  const std::size_t sp = line.find(' ');
  in.request.method = std::string(line.substr(0, sp));
  std::string_view target =
      sp == std::string_view::npos ? std::string_view() : trim(line.substr(sp + 1));
  if (const std::size_t sp2 = target.find(' '); sp2 != std::string_view::npos) {
    target = target.substr(0, sp2);  // "GET /x HTTP/1.1"
  }
  const std::size_t q = target.find('?');
  in.request.path = percent_decode(target.substr(0, q), false);
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    while (true) {
      const std::size_t amp = query.find('&');
      std::string_view pair = query.substr(0, amp);
      const std::size_t eq = pair.find('=');
      std::string key = percent_decode(pair.substr(0, eq), true);
      std::string value =
          eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true);
      in.request.query.emplace(std::move(key), std::move(value));  // first value of each wins
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  while (next_line(line) && !line.empty()) {
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string name = lower(trim(line.substr(0, colon)));
    const std::string value(trim(line.substr(colon + 1)));
    if (name == "host") {
      in.request.host = value;
    } else if (name == "authorization") {
      in.request.authorization = value;
    } else if (name == "content-type") {
      in.request.content_type = value;
    } else if (name == "if-none-match") {
      in.request.if_none_match = value;
    } else if (name == "x-token") {
      in.options.token = value;
    } else if (name == "x-any-host") {
      in.options.loopback_host_only = value != "1";
    } else if (name == "x-backend") {
      const std::size_t space = value.find(' ');
      in.backend.mode = value.substr(0, space);
      if (space != std::string::npos) in.backend.error_code = value.substr(space + 1);
    }
  }
  if (pos < text.size()) in.request.body = std::string(text.substr(pos));
}

void check_response(const api::HttpRequest& request, const api::HttpResponse& r) {
  static constexpr int kStatuses[] = {200, 201, 304, 400, 401, 403, 404,
                                      405, 409, 411, 413, 415, 500, 503};
  bool known = false;
  for (int s : kStatuses) known = known || r.status == s;
  check(known, "response status is not a documented one");
  check((r.status == 405) == !r.allow.empty(), "Allow header without 405 or 405 without it");
  check(!r.challenge || r.status == 401, "WWW-Authenticate on a non-401 response");
  // The dashboard's files (router_web.cpp): an embedded file with its ETag, or a 304.
  if ((r.status == 200 || r.status == 304) && api::is_web_path(request.path)) {
    check(!r.etag.empty(), "a dashboard file without an ETag");
    check(r.status == 200 || r.body.empty(), "a 304 with a body");
    return;
  }
  check(r.status != 304, "304 outside the dashboard's files");
  const bool metrics = r.status == 200 && request.path == "/metrics";
  if (metrics) {
    check(r.content_type.rfind("text/plain", 0) == 0, "metrics content type");
    return;
  }
  check(r.content_type == "application/json", "JSON response content type");
  auto body = api::parse_json(r.body);
  if (!body) std::fprintf(stderr, "body: %s\n%s\n", r.body.c_str(), body.error().message.c_str());
  check(body.has_value(), "response body is not valid JSON");
  check(body->is_object() || body->is_array(), "response body is not an object or array");
  if (r.status >= 400) {
    const api::JsonValue* error = body->find("error");
    check(error != nullptr && error->is_object(), "error response without an error object");
    const api::JsonValue* code = error->find("code");
    check(code != nullptr && code->is_string() && !code->string()->empty(),
          "error response without a code");
    check(error->find("message") != nullptr && error->find("message")->is_string(),
          "error response without a message");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  Input in;
  read_request(text, in);
  const std::string& body = in.request.body;

  // The body alone, through each reader.
  check_json(body);
  api::RequestErrorDetail detail;
  auto d = api::parse_decision_request(body, kNow, &detail);
  if (d) {
    check_decision(*d);
  } else {
    check(!d.error().code.empty() && !d.error().message.empty(), "request error without text");
    check(!detail.offset || *detail.offset <= body.size(), "request error offset past the body");
  }
  if (auto s = api::parse_duration_s(body)) check(*s >= 0, "negative duration");
  for (std::string_view scope : {"", "ip", "prefix"}) {
    auto t = api::canonical_target(body, scope);
    if (t) {
      auto again = api::canonical_target(*t, scope);
      check(again.has_value() && *again == *t, "canonical_target is not idempotent");
    }
  }

  // The whole request through the router.
  in.options.now = [] { return kNow; };
  api::Router router(in.backend, in.options);
  const api::HttpResponse r = router.handle(in.request);
  check_response(in.request, r);
  (void)api::host_is_loopback(in.request.host);
  (void)api::status_for_backend_error(in.backend.error_code);
  return 0;
}
