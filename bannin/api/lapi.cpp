#include <algorithm>
#include <array>
#include <cstdio>

#include <openssl/evp.h>
#include <sys/random.h>

#include <bannin/api/lapi.h>
#include <bannin/api/text_checks.h>
#include <bannin/core/ip_address.h>
#include <bannin/core/ip_prefix.h>
#include <bannin/core/json_writer.h>

namespace bannin::api {
namespace {

constexpr const char* kNoChange = "{\"new\":[],\"deleted\":[]}";

std::vector<std::string> split_list(const std::map<std::string, std::string>& query,
                                    const char* name, bool lower_case) {
  std::vector<std::string> out;
  auto it = query.find(name);
  if (it == query.end()) return out;
  std::string_view rest = it->second;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.push_back(lower_case ? ascii_lower(item) : std::string(item));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

std::string hex(const unsigned char* p, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 0xF]);
  }
  return out;
}

LapiDecision to_lapi(const store::ActiveTarget& t, core::TimeNs duration) {
  LapiDecision d;
  d.id = t.id;
  d.origin = "bannin";
  d.scenario = "bannin/" + (t.rule.empty() ? t.origin : t.rule);
  d.scope = t.scope == "prefix" ? "Range" : "Ip";
  d.value = t.target_key;
  d.duration = duration;
  return d;
}

/// The real LAPI's filter semantics: scopes case-insensitive (default ip and range), origins
/// an exact list, scenarios case-insensitive substrings.
bool passes(const StreamFilter& f, const LapiDecision& d) {
  const std::string scope = ascii_lower(d.scope);
  if (f.scopes.empty()) {
    if (scope != "ip" && scope != "range") return false;
  } else if (std::find(f.scopes.begin(), f.scopes.end(), scope) == f.scopes.end()) {
    return false;
  }
  if (!f.origins.empty() &&
      std::find(f.origins.begin(), f.origins.end(), d.origin) == f.origins.end()) {
    return false;
  }
  const std::string scenario = ascii_lower(d.scenario);
  if (!f.scenarios_containing.empty()) {
    bool any = false;
    for (const auto& s : f.scenarios_containing) any = any || scenario.find(s) != std::string::npos;
    if (!any) return false;
  }
  for (const auto& s : f.scenarios_not_containing) {
    if (scenario.find(s) != std::string::npos) return false;
  }
  return true;
}

void write_decisions(std::string& out, const std::vector<LapiDecision>& list) {
  out.push_back('[');
  bool first = true;
  for (const auto& d : list) {
    if (!first) out.push_back(',');
    first = false;
    core::JsonObjectWriter o(out);
    o.integer("id", d.id);
    o.string("origin", d.origin);
    o.string("scenario", d.scenario);
    o.string("scope", d.scope);
    o.string("type", "ban");
    o.string("value", d.value);
    o.string("duration", go_duration(d.duration));
    o.close();
  }
  out.push_back(']');
}

/// Go's fractional seconds: "58.5", "3", trailing zeros dropped.
std::string seconds_text(std::int64_t whole, std::int64_t frac_ns) {
  std::string out = std::to_string(whole);
  if (frac_ns != 0) {
    char buf[16];
    std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(frac_ns));
    std::string f(buf);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out;
}

}  // namespace

StreamFilter parse_stream_filter(const std::map<std::string, std::string>& query) {
  StreamFilter f;
  f.scopes = split_list(query, "scopes", true);
  f.origins = split_list(query, "origins", false);
  f.scenarios_containing = split_list(query, "scenarios_containing", true);
  f.scenarios_not_containing = split_list(query, "scenarios_not_containing", true);
  return f;
}

std::string go_duration(core::TimeNs d) {
  if (d == 0) return "0s";
  std::string sign = d < 0 ? "-" : "";
  // |INT64_MIN| does not fit; a decision is never that long.
  const std::uint64_t a =
      d < 0 ? static_cast<std::uint64_t>(-(d + 1)) + 1 : static_cast<std::uint64_t>(d);
  constexpr std::uint64_t kSec = 1'000'000'000ULL;
  if (a < kSec) {
    if (a >= 1'000'000ULL)
      return sign + seconds_text(static_cast<std::int64_t>(a / 1'000'000ULL), 0) + "ms";
    if (a >= 1'000ULL) return sign + std::to_string(a / 1'000ULL) + "µs";
    return sign + std::to_string(a) + "ns";
  }
  const std::uint64_t total_s = a / kSec;
  const auto frac = static_cast<std::int64_t>(a % kSec);
  const std::uint64_t h = total_s / 3600, m = (total_s / 60) % 60, s = total_s % 60;
  std::string out = sign;
  if (h > 0) out += std::to_string(h) + "h";
  if (h > 0 || m > 0) out += std::to_string(m) + "m";
  out += seconds_text(static_cast<std::int64_t>(s), frac) + "s";
  return out;
}

std::string key_hash(std::string_view key) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int n = 0;
  if (EVP_Digest(key.data(), key.size(), md.data(), &n, EVP_sha256(), nullptr) != 1) return {};
  return hex(md.data(), n);
}

core::Result<std::string> new_bouncer_key() {
  std::array<unsigned char, 16> raw{};
  if (::getrandom(raw.data(), raw.size(), 0) != static_cast<ssize_t>(raw.size())) {
    return core::make_error("random", "could not read random bytes for a key (getrandom)");
  }
  return hex(raw.data(), raw.size());
}

std::string stream_json(const std::vector<LapiDecision>& added,
                        const std::vector<LapiDecision>& deleted) {
  std::string out = "{\"new\":";
  write_decisions(out, added);
  out += ",\"deleted\":";
  write_decisions(out, deleted);
  out += "}";
  return out;
}

LapiService::LapiService(store::Store& store, std::mutex& store_mu,
                         std::function<core::TimeNs()> now)
    : store_(store), store_mu_(store_mu), now_(std::move(now)) {}

LapiService::Counters LapiService::counters() const {
  std::lock_guard lock(counters_mu_);
  return counters_;
}

core::Result<store::BouncerRow> LapiService::bouncer(const std::string& api_key) {
  if (api_key.empty()) {
    std::lock_guard lock(counters_mu_);
    ++counters_.refused;
    return core::make_error("forbidden", "access forbidden");
  }
  auto b = store_.bouncer_by_hash(key_hash(api_key));
  if (!b) {
    std::lock_guard lock(counters_mu_);
    if (b.error().code == "not_found") {
      ++counters_.refused;
      return core::make_error("forbidden", "access forbidden");
    }
    ++counters_.store_errors;
  }
  return b;
}

core::Result<std::string> LapiService::stream(const StreamRequest& request) {
  std::lock_guard lock(store_mu_);
  auto b = bouncer(request.api_key);
  if (!b) {
    if (b.error().code == "forbidden") return b.error();
    return std::string(kNoChange);  // the store failed: never fail a poll (see lapi.h)
  }
  const core::TimeNs now = now_();
  const auto store_failed = [&] {
    store_.rollback();
    std::lock_guard c(counters_mu_);
    ++counters_.store_errors;
    return std::string(kNoChange);
  };
  // One read transaction: the head and the targets come from one snapshot.
  if (!store_.begin()) return store_failed();
  auto head = store_.history_head();
  if (!head) return store_failed();
  std::vector<LapiDecision> added, deleted;
  if (request.startup) {
    auto active = store_.active_targets(now);
    if (!active) return store_failed();
    for (const auto& t : *active) {
      LapiDecision d = to_lapi(t, t.expires - now);
      if (passes(request.filter, d)) added.push_back(std::move(d));
    }
  } else {
    auto changed = store_.changed_targets(b->cursor, *head);
    if (!changed) return store_failed();
    for (const auto& t : *changed) {
      // Every changed target is deleted, and sent again as new when something still covers
      // it: the bouncer applies deletions first, and it skips an address it has (so a longer
      // ban would not take without the deletion).
      LapiDecision gone = to_lapi(t, -core::kNsPerSec);
      if (!passes(request.filter, gone)) continue;
      deleted.push_back(gone);
      auto still = store_.active_targets(now, t.target_key);
      if (!still) return store_failed();
      for (const auto& s : *still) {
        if (s.scope == t.scope) added.push_back(to_lapi(s, s.expires - now));
      }
    }
  }
  if (!store_.commit()) return store_failed();
  // Outside the read transaction (a write there could meet the writer thread's commits). If
  // it fails, the answer still goes out and the next poll repeats these changes: harmless,
  // a deletion of an absent address and an addition of a present one are no-ops.
  // Written only when the position moved, or once a minute for `bannin bouncers list`'s "last
  // poll": a poll that finds nothing new (nearly all of them) then costs reads only.
  bool saved = true;
  if (*head != b->cursor || now - b->last_pull >= 60 * core::kNsPerSec) {
    saved = static_cast<bool>(store_.save_bouncer_pull(b->name, now, *head));
  }
  {
    std::lock_guard c(counters_mu_);
    ++counters_.polls;
    if (request.startup) ++counters_.startups;
    if (!saved) ++counters_.store_errors;
  }
  return stream_json(added, deleted);
}

core::Result<std::string> LapiService::decisions_for(const std::string& api_key,
                                                     const std::string& ip_text) {
  std::lock_guard lock(store_mu_);
  auto b = bouncer(api_key);
  if (!b) return b.error();
  auto ip = core::IpAddress::parse(ip_text);
  if (!ip) return core::make_error("bad_ip", "ip: not an IP address");
  const core::TimeNs now = now_();
  auto active = store_.active_targets(now);
  if (!active) return active.error();
  std::vector<LapiDecision> out;
  for (const auto& t : *active) {
    bool covers = false;
    if (t.scope == "ip") {
      auto a = core::IpAddress::parse(t.target_key);
      covers = a && *a == *ip;
    } else {
      auto p = core::IpPrefix::parse(t.target_key);
      covers = p && p->contains(*ip);
    }
    if (covers) out.push_back(to_lapi(t, t.expires - now));
  }
  if (out.empty()) return std::string("null");
  std::string json;
  write_decisions(json, out);
  return json;
}

}  // namespace bannin::api
