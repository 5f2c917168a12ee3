#include <array>
#include <limits>
#include <utility>

#include <bannin/api/decision_request.h>
#include <bannin/api/json_value.h>
#include <bannin/api/text_checks.h>
#include <bannin/core/ip_prefix.h>
#include <bannin/core/time.h>

namespace bannin::api {
namespace {

core::Error field_error(RequestErrorDetail* detail, std::string code, std::string_view field,
                        const std::string& message) {
  if (detail) detail->field = std::string(field);
  return core::make_error(std::move(code), std::string(field) + ": " + message);
}

const char* type_name(const JsonValue& v) {
  switch (v.type()) {
    case JsonValue::Type::Null:
      return "null";
    case JsonValue::Type::Bool:
      return "a boolean";
    case JsonValue::Type::Number:
      return "a number";
    case JsonValue::Type::String:
      return "a string";
    case JsonValue::Type::Array:
      return "an array";
    case JsonValue::Type::Object:
      return "an object";
  }
  return "a value";
}

/// Quotes a user-given value for a message, cut short and without control characters.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < 64; ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    out.push_back(u < 0x20 || u == 0x7F ? '?' : s[i]);
  }
  if (s.size() > 64) out += "…";
  out += '"';
  return out;
}

constexpr std::array<std::string_view, 6> kKnownFields = {"scope", "target", "action",
                                                          "ttl_s", "ttl",    "reason"};

}  // namespace

std::optional<std::int64_t> parse_duration_s(std::string_view text) noexcept {
  return core::parse_duration_seconds(text, true, std::numeric_limits<std::int64_t>::max());
}

core::Result<std::string> canonical_target(std::string_view text, std::string_view scope,
                                           std::string_view field) {
  const auto bad = [&](const std::string& message) {
    return core::make_error("invalid_field", std::string(field) + ": " + message);
  };
  if (text.empty()) return bad("must not be empty");
  if (text.size() > 64) return bad("too long to be an address or prefix");
  auto prefix = core::IpPrefix::parse(text);
  if (!prefix) {
    return bad(quoted(text) +
               " is not an IP address or prefix (examples: 192.0.2.7, 2001:db8::/48)");
  }
  const std::size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    auto written = core::IpAddress::parse(text.substr(0, slash));
    if (written && *written != prefix->network) {
      return bad(quoted(text) + " has host bits set; the network is " + prefix->text());
    }
  }
  if (scope == "ip" && !prefix->is_single()) {
    return bad(quoted(text) + " is a network; use scope \"prefix\"");
  }
  if (scope == "prefix" && prefix->is_single()) {
    return bad(quoted(text) + " is one address; use scope \"ip\"");
  }
  const unsigned min_len = prefix->is_v4() ? kMinPrefixLenV4 : kMinPrefixLenV6;
  if (prefix->len < min_len) {
    return bad(quoted(text) + " is wider than /" + std::to_string(min_len) +
               ", refused as a likely mistake");
  }
  return prefix->text();
}

core::Result<decide::Decision> parse_decision_request(std::string_view body, core::TimeNs now,
                                                      RequestErrorDetail* detail) {
  std::size_t offset = 0;
  auto doc = parse_json(body, &offset);
  if (!doc) {
    if (detail) {
      detail->field.clear();
      detail->offset = offset;
    }
    return core::make_error("bad_json", "request body is not valid JSON: " + doc.error().message);
  }
  if (!doc->is_object()) {
    return core::make_error(
        "bad_json", std::string("request body must be a JSON object, not ") + type_name(*doc));
  }
  for (const auto& key : doc->keys()) {
    bool known = false;
    for (auto k : kKnownFields) known = known || key == k;
    if (!known) {
      if (detail) detail->field = key;
      return core::make_error("unknown_field", quoted(key) +
                                                   ": not a known field (expected scope, target, "
                                                   "action, ttl_s or ttl, reason)");
    }
  }
  const auto string_field = [&](std::string_view name,
                                const std::string*& out) -> std::optional<core::Error> {
    out = nullptr;
    const JsonValue* v = doc->find(name);
    if (!v) return std::nullopt;
    out = v->string();
    if (!out) {
      return field_error(detail, "invalid_field", name,
                         std::string("must be a string, not ") + type_name(*v));
    }
    return std::nullopt;
  };

  decide::Decision d;
  d.ts = now;
  d.origin = "person";
  d.rule = std::string(kApiRule);

  // target (and scope, inferred from it when absent)
  const std::string* target = nullptr;
  const std::string* scope = nullptr;
  if (auto e = string_field("target", target)) return *e;
  if (auto e = string_field("scope", scope)) return *e;
  if (!target) return field_error(detail, "missing_field", "target", "is required");
  if (scope && *scope != "ip" && *scope != "prefix") {
    return field_error(detail, "invalid_field", "scope",
                       quoted(*scope) + " is not a scope the API takes (ip or prefix)");
  }
  auto canonical = canonical_target(*target, scope ? *scope : "", "target");
  if (!canonical) {
    if (detail) detail->field = "target";
    return canonical.error();
  }
  const bool is_prefix = scope ? *scope == "prefix" : canonical->find('/') != std::string::npos;
  d.scope = is_prefix ? "prefix" : "ip";
  (is_prefix ? d.prefix : d.ip) = std::move(*canonical);

  // action
  const std::string* action = nullptr;
  if (auto e = string_field("action", action)) return *e;
  if (action && *action != "deny") {
    return field_error(detail, "invalid_field", "action",
                       quoted(*action) + " is not supported for ip/prefix decisions (deny)");
  }
  d.action = "deny";

  // ttl_s or ttl
  const JsonValue* ttl_s = doc->find("ttl_s");
  const JsonValue* ttl = doc->find("ttl");
  std::int64_t seconds = 0;
  if (ttl_s && ttl)
    return field_error(detail, "invalid_field", "ttl", "give ttl_s or ttl, not both");
  if (ttl_s) {
    if (!ttl_s->is_number()) {
      return field_error(detail, "invalid_field", "ttl_s",
                         std::string("must be a number of seconds, not ") + type_name(*ttl_s));
    }
    auto n = ttl_s->integer();
    if (!n) {
      return field_error(detail, "invalid_field", "ttl_s",
                         ttl_s->number_text() + " is not a whole number of seconds in range");
    }
    seconds = *n;
  } else if (ttl) {
    const std::string* text = ttl->string();
    if (!text) {
      return field_error(
          detail, "invalid_field", "ttl",
          std::string("must be a duration string such as \"1h\", not ") + type_name(*ttl));
    }
    auto n = parse_duration_s(*text);
    if (!n) {
      return field_error(detail, "invalid_field", "ttl",
                         quoted(*text) +
                             " is not a duration (examples: 90s, 15m, 1h, 2d, 1w, "
                             "1h30m)");
    }
    seconds = *n;
  } else {
    return field_error(detail, "missing_field", "ttl_s",
                       "ttl_s (seconds) or ttl (\"1h\") is required");
  }
  const char* ttl_name = ttl_s ? "ttl_s" : "ttl";
  if (seconds <= 0) {
    return field_error(detail, "invalid_field", ttl_name, "must be more than 0 seconds");
  }
  if (seconds > kMaxTtlS) {
    return field_error(
        detail, "invalid_field", ttl_name,
        std::to_string(seconds) + " s is more than one year (" + std::to_string(kMaxTtlS) + " s)");
  }
  d.ttl = seconds * core::kNsPerSec;

  // reason
  const std::string* reason = nullptr;
  if (auto e = string_field("reason", reason)) return *e;
  if (!reason) {
    return field_error(detail, "missing_field", "reason",
                       "is required (say why, for the audit trail)");
  }
  const auto blank = reason->find_first_not_of(' ') == std::string::npos;
  if (blank) return field_error(detail, "invalid_field", "reason", "must not be empty");
  if (reason->size() > kMaxReasonBytes) {
    return field_error(detail, "invalid_field", "reason",
                       "is " + std::to_string(reason->size()) + " bytes, more than " +
                           std::to_string(kMaxReasonBytes));
  }
  if (has_control(*reason)) {
    return field_error(detail, "invalid_field", "reason", "must not hold control characters");
  }
  d.reason = *reason;
  return d;
}

}  // namespace bannin::api
