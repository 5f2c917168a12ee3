#include <algorithm>
#include <array>
#include <optional>

#include <re2/re2.h>

#include <bannin/core/ip_address.h>
#include <bannin/model/fields.h>
#include <bannin/ruleset/captures.h>
#include <bannin/ruleset/expr_ast.h>

namespace bannin::ruleset {

namespace {

// What a named group sets.
enum class Target : std::uint8_t {
  Field,     // the event field of the same name
  Host,      // fail2ban ip4/ip6/dns/fid: src_ip, or src_host when not an address
  AltUser,   // fail2ban alt_user: user, when `user` took no part
  NoFailure  // fail2ban nofail/mlfgained: the event is not counted
};

struct Group {
  int index = 0;  // capturing group number
  Target target = Target::Field;
  model::Field field{};
  int host_rank = 0;  // Host: fail2ban's order (ip4, ip6, dns, fid)
};

struct Regex {
  model::Field subject{};
  std::unique_ptr<re2::RE2> re;
  std::vector<Group> groups;
  int ngroups = 0;
};

std::optional<Group> group_for(const std::string& name) {
  static constexpr std::array<std::string_view, 4> kHost = {"ip4", "ip6", "dns", "fid"};
  Group g;
  for (std::size_t i = 0; i < kHost.size(); ++i) {
    if (name == kHost[i]) {
      g.target = Target::Host;
      g.host_rank = static_cast<int>(i);
      return g;
    }
  }
  if (name == "alt_user") {
    g.target = Target::AltUser;
    return g;
  }
  if (name == "nofail" || name == "mlfgained") {
    g.target = Target::NoFailure;
    return g;
  }
  auto f = model::field_by_name(name);
  if (!f) return std::nullopt;
  model::FieldType t = model::type(*f);
  if (t != model::FieldType::String && t != model::FieldType::Ip) return std::nullopt;
  g.field = *f;
  return g;
}

// Positive `field ~ "literal"` clauses, in text order; `not` and `!~` are skipped (a regex
// that must not match captures nothing).
void collect(const detail::Ast& a, std::vector<std::pair<model::Field, std::string>>& out) {
  using detail::AstKind;
  switch (a.kind) {
    case AstKind::And:
    case AstKind::Or:
      for (const auto& k : a.kids) collect(*k, out);
      return;
    case AstKind::Binary:
      if (a.op == detail::BinOp::Match && !a.negated && a.kids.size() == 2 &&
          a.kids[0]->kind == AstKind::Field && a.kids[1]->kind == AstKind::Str) {
        if (auto f = model::field_by_name(a.kids[0]->s);
            f && model::type(*f) == model::FieldType::String) {
          out.emplace_back(*f, a.kids[1]->s);
        }
      }
      return;
    default:
      return;
  }
}

void set_text(model::Event& ev, model::Field f, std::string_view text) {
  if (ev.has(f)) return;
  if (model::type(f) == model::FieldType::Ip) {
    if (auto ip = core::IpAddress::parse(text)) ev.set_ip(f, *ip);
    return;
  }
  ev.set_string(f, text);
}

}  // namespace

struct Captures::Impl {
  std::vector<Regex> regexes;
};

Captures::Captures() : impl_(std::make_unique<Impl>()) {}
Captures::~Captures() = default;

std::size_t Captures::size() const noexcept {
  return impl_->regexes.size();
}

Captures::Outcome Captures::apply(model::Event& ev) const noexcept {
  // Enough for the importer's regexes (a dozen groups); more are read as absent.
  constexpr int kMaxGroups = 64;
  std::array<re2::StringPiece, kMaxGroups> g;
  for (const Regex& r : impl_->regexes) {
    const model::FieldValue* v = ev.get(r.subject);
    if (v == nullptr || v->type != model::FieldType::String) continue;
    const int n = std::min(r.ngroups + 1, kMaxGroups);
    if (!r.re->Match(re2::StringPiece(v->s.data(), v->s.size()), 0, v->s.size(),
                     re2::RE2::UNANCHORED, g.data(), n)) {
      continue;
    }
    auto took_part = [&](int i) {
      return i < n && g[static_cast<std::size_t>(i)].data() != nullptr;
    };
    auto text = [&](int i) {
      const auto& p = g[static_cast<std::size_t>(i)];
      return std::string_view(p.data(), p.size());
    };
    for (const Group& grp : r.groups) {
      if (grp.target == Target::NoFailure && took_part(grp.index)) return Outcome::NotFailure;
    }
    // fail2ban's host: the first of ip4, ip6, dns, fid that took part (groups are sorted by
    // rank within the Host target when the regex was compiled).
    bool host_set = false;
    bool user_set = false;
    for (const Group& grp : r.groups) {
      if (!took_part(grp.index)) continue;
      std::string_view t = text(grp.index);
      switch (grp.target) {
        case Target::Field:
          if (grp.field == model::Field::User && !t.empty()) user_set = true;
          if (!t.empty()) set_text(ev, grp.field, t);
          break;
        case Target::Host:
          if (host_set || t.empty()) break;
          host_set = true;
          if (auto ip = core::IpAddress::parse(t)) {
            if (!ev.has(model::Field::SrcIp)) ev.set_ip(model::Field::SrcIp, *ip);
          } else if (!ev.has(model::Field::SrcHost)) {
            ev.set_string(model::Field::SrcHost, t);
          }
          break;
        case Target::AltUser:
        case Target::NoFailure:
          break;
      }
    }
    if (!user_set) {
      for (const Group& grp : r.groups) {
        if (grp.target == Target::AltUser && took_part(grp.index) && !text(grp.index).empty()) {
          set_text(ev, model::Field::User, text(grp.index));
          break;
        }
      }
    }
    return Outcome::Filled;
  }
  return Outcome::NoMatch;
}

std::unique_ptr<const Captures> compile_captures(std::string_view where_text) {
  std::vector<Diagnostic> diags;
  auto parsed = detail::parse(where_text, diags);
  if (!parsed.ok || !parsed.root) return nullptr;
  std::vector<std::pair<model::Field, std::string>> found;
  collect(*parsed.root, found);
  auto caps = std::unique_ptr<Captures>(new Captures());
  for (auto& [field, pattern] : found) {
    re2::RE2::Options opts;
    opts.set_log_errors(false);
    Regex r;
    r.subject = field;
    r.re = std::make_unique<re2::RE2>(pattern, opts);
    if (!r.re->ok()) continue;
    r.ngroups = r.re->NumberOfCapturingGroups();
    for (const auto& [name, index] : r.re->NamedCapturingGroups()) {
      if (auto grp = group_for(name)) {
        grp->index = index;
        r.groups.push_back(*grp);
      }
    }
    if (r.groups.empty()) continue;
    std::sort(r.groups.begin(), r.groups.end(), [](const Group& a, const Group& b) {
      if (a.target != b.target) return a.target < b.target;
      return a.target == Target::Host ? a.host_rank < b.host_rank : a.index < b.index;
    });
    caps->impl_->regexes.push_back(std::move(r));
  }
  if (caps->impl_->regexes.empty()) return nullptr;
  return caps;
}

}  // namespace bannin::ruleset
