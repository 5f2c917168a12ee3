// Fuzz target for the store's own JSON columns (bannin/store/json_columns.h, simdjson): the
// validator and the top-level string member reader behind target_key_of (store.h), which
// derives a decision's lookup key from a target_json written by replay or edited by hand, and
// the decision export (decision_export.h) that embeds a valid target_json raw. The whole input
// is the target_json, read under every scope.
//
// Checks, besides no crash / leak / UB: a member is only read from valid JSON; where both the
// store (simdjson) and the API's reader (api/json_value.h) accept the text, both read the same
// string for a member (they differ on what they refuse: simdjson refuses integers beyond 64
// bits, the API reader numbers that underflow a double and repeated keys); target_key_of
// gives the canonical key of that member; keys are canonical (canonical_target_key is
// idempotent); and an export holding the row is valid JSON when the row's target nests no
// deeper than the store allows.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/api/json_value.h>
#include <bannin/store/decision_export.h>
#include <bannin/store/json_columns.h>
#include <bannin/store/store.h>

namespace {

using namespace bannin;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

// Deepest bracket nesting outside strings (the input need not be valid JSON).
int nesting(std::string_view s) {
  int depth = 0, max = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      max = std::max(max, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return max;
}

// The member as the strict reader sees it: nullopt unless text is an object and key a string.
std::optional<std::string> strict_member(const api::JsonValue& doc, std::string_view key) {
  const api::JsonValue* v = doc.find(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return *v->string();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const bool valid = store::detail::json_valid(text);
  auto strict = api::parse_json(text);

  static constexpr std::string_view kKeys[] = {"ip", "prefix", "vhost", "path", "method", ""};
  for (std::string_view key : kKeys) {
    auto member = store::detail::json_member_string(text, key);
    if (member) check(valid, "a member was read from invalid JSON");
    if (valid && strict && strict->is_object()) {
      check(member == strict_member(*strict, key),
            "the store and the API reader read a member differently");
    }
  }

  static constexpr std::string_view kScopes[] = {"ip",    "prefix",  "vhost_path",
                                                 "vhost", "country", ""};
  for (std::string_view scope : kScopes) {
    const std::string key = store::target_key_of(scope, text);
    if (scope == "ip" || scope == "prefix") {
      auto member = store::detail::json_member_string(text, scope);
      check(key == (member ? store::canonical_target_key(*member) : std::string(text)),
            "target_key_of ip/prefix is not the canonical member");
    } else if (scope == "vhost") {
      auto member = store::detail::json_member_string(text, "vhost");
      check(key == (member ? *member : std::string(text)), "target_key_of vhost");
    } else if (scope != "vhost_path") {
      check(key == text, "target_key_of of an unknown scope is not target_json");
    }
    check(store::canonical_target_key(store::canonical_target_key(key)) ==
              store::canonical_target_key(key),
          "canonical_target_key is not idempotent");
  }

  // The row in an export (JSON and CSV), as `bannin decisions export` and the API write it.
  store::DecisionRow row;
  row.id = static_cast<std::int64_t>(size);
  row.ts = 1'767'225'600'000'000'000;
  row.rule = "fuzz.rule";
  row.action = "deny";
  row.scope = "ip";
  row.target_json = std::string(text);
  row.target_key = store::target_key_of(row.scope, text);
  row.ttl_s = 3600;
  row.expires = row.ts + row.ttl_s * 1'000'000'000LL;
  row.reason = std::string(text.substr(0, 64));
  std::vector<store::DecisionRecord> records(1);
  records[0].decision = row;
  records[0].history.push_back(store::StateChange{row.id, row.ts, "proposed", row.reason});
  const std::string json = store::decisions_json(std::span<const store::DecisionRow>(&row, 1));
  const std::string with_history =
      store::decisions_json(std::span<const store::DecisionRecord>(records));
  // The export puts the target two levels down (array, object): the store's limit is 64.
  if (nesting(text) <= 60) {
    check(store::detail::json_valid(json), "decision export is not valid JSON");
    check(store::detail::json_valid(with_history),
          "decision export with history is not valid JSON");
  }
  (void)store::decisions_csv(std::span<const store::DecisionRow>(&row, 1));
  (void)store::decisions_csv(std::span<const store::DecisionRecord>(records));
  return 0;
}
