#include <cstdio>
#include <iterator>
#include <utility>

#include <simdjson.h>

#include <bannin/act/nftables/nft_commands.h>

namespace bannin::act::nft {
namespace {

// Appends the canonical text of t ("192.0.2.7", "10.0.0.0/8") without a temporary string.
void append_target(std::string& out, const Target& t) {
  char buf[core::kIpTextMax + 8];
  std::size_t n = t.network.format(buf);
  out.append(buf, n);
  if (!t.is_single()) {
    out += '/';
    out += std::to_string(t.len);
  }
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  out.append(buf, static_cast<std::size_t>(n));
}

// Set index 0..3 (kSetNames order) of a target.
std::size_t set_index(const Target& t) noexcept {
  return (t.is_v4() ? 0U : 2U) + (t.is_single() ? 0U : 1U);
}

// `<verb> element inet <table> <set> { a timeout Ns, b … }` for els[ids[…]], per_line a
// command. fixed_timeout > 0 replaces every element's own timeout; with_timeout = false
// writes bare elements (delete).
template <typename Get>
void append_element_list(std::string& out, std::string_view verb, const NftConfig& cfg,
                         std::string_view set, const std::vector<std::size_t>& ids, Get&& get,
                         std::int64_t fixed_timeout, bool with_timeout, std::size_t per_line) {
  for (std::size_t start = 0; start < ids.size(); start += per_line) {
    std::size_t end = std::min(ids.size(), start + per_line);
    out += verb;
    out += " element inet ";
    out += cfg.table;
    out += ' ';
    out += set;
    out += " { ";
    for (std::size_t i = start; i < end; ++i) {
      if (i != start) out += ", ";
      const auto& [target, timeout] = get(ids[i]);
      append_target(out, target);
      if (with_timeout) {
        out += " timeout ";
        append_int(out, fixed_timeout > 0 ? fixed_timeout : timeout);
        out += 's';
      }
    }
    out += " }\n";
  }
}

std::string json_string(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get_string().get(v) != simdjson::SUCCESS) return {};
  return std::string(v);
}

}  // namespace

std::string_view set_name(const Target& t) noexcept {
  if (t.is_v4()) return t.is_single() ? kSetNames[0] : kSetNames[1];
  return t.is_single() ? kSetNames[2] : kSetNames[3];
}

std::int64_t timeout_seconds(core::TimeNs ttl, std::int64_t max_s) noexcept {
  if (ttl <= 0) return 0;
  std::int64_t s = ttl / core::kNsPerSec + (ttl % core::kNsPerSec != 0 ? 1 : 0);
  if (s < 1) s = 1;
  if (max_s > 0 && s > max_s) s = max_s;
  return s;
}

std::string ensure_table_commands(const NftConfig& cfg) {
  const std::string t = "inet " + cfg.table;
  std::string out;
  out += "add table " + t + "\n";
  out += "add set " + t + " v4_addr { type ipv4_addr; flags timeout; }\n";
  out += "add set " + t + " v4_net { type ipv4_addr; flags interval,timeout; }\n";
  out += "add set " + t + " v6_addr { type ipv6_addr; flags timeout; }\n";
  out += "add set " + t + " v6_net { type ipv6_addr; flags interval,timeout; }\n";
  return out;
}

std::string recreate_chain_commands(const NftConfig& cfg) {
  const std::string c = "inet " + cfg.table + " input";
  std::string out;
  // `add chain` without a hook only makes sure the name exists, so that flush and delete
  // succeed on a fresh table too; the whole sequence is one transaction.
  out += "add chain " + c + "\n";
  out += "flush chain " + c + "\n";
  out += "delete chain " + c + "\n";
  out += "add chain " + c + " { type filter hook input priority " + std::to_string(cfg.priority) +
         "; policy accept; }\n";
  out += "add rule " + c + " ip saddr @v4_addr counter drop\n";
  out += "add rule " + c + " ip saddr @v4_net counter drop\n";
  out += "add rule " + c + " ip6 saddr @v6_addr counter drop\n";
  out += "add rule " + c + " ip6 saddr @v6_net counter drop\n";
  return out;
}

std::string upsert_commands(const NftConfig& cfg, std::span<const Upsert> elements,
                            std::span<const Target> remove_first, std::size_t per_line) {
  if (per_line == 0) per_line = 1;
  // Per set, in input order: every element, those that go through add/delete/add
  // (addresses that may exist), and existing prefixes (deleted first).
  std::vector<std::size_t> all[4], refresh[4];
  std::vector<Target> deletes(remove_first.begin(), remove_first.end());
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const Upsert& u = elements[i];
    const std::size_t s = set_index(u.target);
    all[s].push_back(i);
    if (!u.exists) continue;
    if (u.target.is_single()) {
      refresh[s].push_back(i);
    } else {
      deletes.push_back(u.target);
    }
  }
  std::size_t bytes = 64 * elements.size() + 64;
  for (const auto& r : refresh) bytes += 48 * r.size();
  std::string out;
  out.reserve(bytes);
  if (!deletes.empty()) out += delete_commands(cfg, deletes, per_line);
  auto get = [&](std::size_t i) -> std::pair<const Target&, std::int64_t> {
    return {elements[i].target, elements[i].timeout_s};
  };
  for (std::size_t s = 0; s < 4; ++s) {
    if (all[s].empty()) continue;
    if (!refresh[s].empty()) {
      // The first add makes the delete safe whether or not the element is (still) there.
      append_element_list(out, "add", cfg, kSetNames[s], refresh[s], get, 1, true, per_line);
      append_element_list(out, "delete", cfg, kSetNames[s], refresh[s], get, 0, false, per_line);
    }
    append_element_list(out, "add", cfg, kSetNames[s], all[s], get, 0, true, per_line);
  }
  return out;
}

std::vector<std::string> parse_elements_text(std::string_view text) {
  std::vector<std::string> out;
  std::size_t pos = text.find("elements = {");
  if (pos == std::string_view::npos) return out;
  std::size_t end = text.find('}', pos);
  std::string_view body = text.substr(
      pos + 12, end == std::string_view::npos ? std::string_view::npos : end - pos - 12);
  // "a timeout 1h expires 59m, b/24 timeout …" possibly over several lines.
  std::size_t i = 0;
  while (i < body.size()) {
    std::size_t comma = body.find(',', i);
    std::string_view item =
        body.substr(i, comma == std::string_view::npos ? body.size() - i : comma - i);
    i = comma == std::string_view::npos ? body.size() : comma + 1;
    std::size_t b = item.find_first_not_of(" \t\n");
    if (b == std::string_view::npos) continue;
    item = item.substr(b);
    item = item.substr(0, item.find_first_of(" \t\n"));
    if (item.empty()) continue;
    auto t = Target::parse(item);
    out.push_back(t ? t->text() : std::string(item));
  }
  return out;
}

std::string delete_commands(const NftConfig& cfg, std::span<const Target> elements,
                            std::size_t per_line) {
  if (per_line == 0) per_line = 1;
  std::vector<std::size_t> by_set[4];
  for (std::size_t i = 0; i < elements.size(); ++i) by_set[set_index(elements[i])].push_back(i);
  auto get = [&](std::size_t i) -> std::pair<const Target&, std::int64_t> {
    return {elements[i], 0};
  };
  std::string out;
  for (std::size_t s = 0; s < 4; ++s) {
    append_element_list(out, "delete", cfg, kSetNames[s], by_set[s], get, 0, false, per_line);
  }
  return out;
}

std::string delete_table_command(const NftConfig& cfg) {
  return "delete table inet " + cfg.table + "\n";
}

bool chain_in_place(const ChainState& st, const NftConfig& cfg) noexcept {
  if (!st.exists || !st.base || st.hook != "input" || st.priority != cfg.priority ||
      st.rules != kRuleCount) {
    return false;
  }
  if (st.sets.empty()) return true;  // from nft's JSON: counted only
  if (st.sets.size() != std::size(kSetNames)) return false;
  for (std::size_t i = 0; i < st.sets.size(); ++i) {
    if (st.sets[i] != kSetNames[i]) return false;
  }
  return true;
}

std::string delete_table_commands(const NftConfig& cfg) {
  return "add table inet " + cfg.table + "\ndelete table inet " + cfg.table + "\n";
}

namespace {

// nft's JSON output parsed, and its top-level "nftables" array (valid while parser lives:
// the DOM keeps its strings in the parser, not in the input).
core::Result<simdjson::dom::array> nftables_array(simdjson::dom::parser& parser,
                                                  std::string_view json) {
  std::string padded(json);
  padded.resize(json.size() + simdjson::SIMDJSON_PADDING);
  simdjson::dom::element doc;
  if (parser.parse(padded.data(), json.size(), false).get(doc) != simdjson::SUCCESS) {
    return core::make_error("bad_nft_json", "nft printed JSON that does not parse");
  }
  simdjson::dom::array items;
  if (doc["nftables"].get_array().get(items) != simdjson::SUCCESS) {
    return core::make_error("bad_nft_json", "nft JSON without an \"nftables\" array");
  }
  return items;
}

}  // namespace

core::Result<std::vector<EnforcedEntry>> parse_elements_json(std::string_view json,
                                                             std::string_view table) {
  std::vector<EnforcedEntry> out;
  simdjson::dom::parser parser;
  auto parsed = nftables_array(parser, json);
  if (!parsed) return parsed.error();
  for (auto item : *parsed) {
    simdjson::dom::element set;
    if (item["set"].get(set) != simdjson::SUCCESS) continue;
    if (json_string(set, "table") != table || json_string(set, "family") != "inet") continue;
    std::string set_name = json_string(set, "name");
    simdjson::dom::array elems;
    if (set["elem"].get_array().get(elems) != simdjson::SUCCESS) continue;
    for (auto e : elems) {
      // {"elem": {"val": V, "timeout": s, "expires": s}} when the element has a timeout,
      // plain V otherwise; V is "addr" or {"prefix": {"addr": …, "len": n}}.
      simdjson::dom::element val = e;
      EnforcedEntry entry;
      entry.where = set_name;
      entry.expires_s = -1;
      simdjson::dom::element inner;
      if (e["elem"].get(inner) == simdjson::SUCCESS) {
        if (inner["val"].get(val) != simdjson::SUCCESS) continue;
        std::int64_t n = 0;
        if (inner["timeout"].get_int64().get(n) == simdjson::SUCCESS) entry.timeout_s = n;
        if (inner["expires"].get_int64().get(n) == simdjson::SUCCESS) entry.expires_s = n;
      }
      std::string_view addr;
      std::int64_t len = -1;
      if (val.get_string().get(addr) != simdjson::SUCCESS) {
        simdjson::dom::element prefix;
        if (val["prefix"].get(prefix) != simdjson::SUCCESS ||
            prefix["addr"].get_string().get(addr) != simdjson::SUCCESS ||
            prefix["len"].get_int64().get(len) != simdjson::SUCCESS) {
          continue;  // ranges ("a-b") are never written by bannin
        }
      }
      std::string text(addr);
      if (len >= 0) text += "/" + std::to_string(len);
      auto t = Target::parse(text);
      entry.target = t ? t->text() : text;
      out.push_back(std::move(entry));
    }
  }
  return out;
}

core::Result<ChainState> parse_chain_json(std::string_view json, std::string_view table) {
  simdjson::dom::parser parser;
  auto parsed = nftables_array(parser, json);
  if (!parsed) return parsed.error();
  ChainState st;
  for (auto item : *parsed) {
    simdjson::dom::element obj;
    if (item["chain"].get(obj) == simdjson::SUCCESS) {
      if (json_string(obj, "table") != table || json_string(obj, "name") != "input") continue;
      st.exists = true;
      st.hook = json_string(obj, "hook");
      st.base = !st.hook.empty();
      std::int64_t prio = 0;
      if (obj["prio"].get_int64().get(prio) == simdjson::SUCCESS) {
        st.priority = static_cast<int>(prio);
      }
    } else if (item["rule"].get(obj) == simdjson::SUCCESS) {
      if (json_string(obj, "table") == table && json_string(obj, "chain") == "input") ++st.rules;
    }
  }
  return st;
}

}  // namespace bannin::act::nft
