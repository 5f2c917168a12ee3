#include <charconv>

#include <bannin/enrich/uid_accounts.h>

namespace bannin::enrich {

namespace {

// The next ':'-separated field of `line` (advances it).
std::string_view next_field(std::string_view& line) {
  const auto c = line.find(':');
  std::string_view f = line.substr(0, c);
  line.remove_prefix(c == std::string_view::npos ? line.size() : c + 1);
  return f;
}

bool valid_name(std::string_view n) {
  if (n.empty() || n.size() > 64 || n[0] == '+' || n[0] == '-' || n[0] == '#') return false;
  for (char ch : n) {
    if (static_cast<unsigned char>(ch) <= ' ' || ch == ':' || ch == '/') return false;
  }
  return true;
}

}  // namespace

UidAccounts UidAccounts::parse(std::string_view text, std::int64_t min_uid) {
  UidAccounts m;
  m.min_uid_ = min_uid;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    std::string_view name = next_field(line);
    (void)next_field(line);  // password
    std::string_view uid_text = next_field(line);
    std::int64_t uid = -1;
    auto [p, ec] = std::from_chars(uid_text.data(), uid_text.data() + uid_text.size(), uid);
    if (!valid_name(name) || ec != std::errc() || p != uid_text.data() + uid_text.size() ||
        uid < 0) {
      ++m.rejected_;
      continue;
    }
    if (uid < min_uid) continue;
    m.add(uid, std::string(name));
  }
  return m;
}

// `name` is moved into the map; clang-tidy 14 reads try_emplace's forwarding reference as
// a const use.
// NOLINTNEXTLINE(performance-unnecessary-value-param)
void UidAccounts::add(std::int64_t uid, std::string name) {
  if (by_uid_.size() >= kMaxEntries) {
    ++rejected_;
    return;
  }
  by_uid_.try_emplace(uid, std::move(name));
}

std::string_view UidAccounts::account(std::int64_t uid) const noexcept {
  if (uid < min_uid_) return {};
  auto it = by_uid_.find(uid);
  return it == by_uid_.end() ? std::string_view() : std::string_view(it->second);
}

bool UidAccounts::enrich(model::Event& ev) const noexcept {
  const auto kind = ev.kind();
  if (kind != model::EventKind::MailSent && kind != model::EventKind::MailReceived) return false;
  if (ev.has(model::Field::Account)) return false;
  const model::FieldValue* uid = ev.get(model::Field::Uid);
  if (uid == nullptr || uid->type != model::FieldType::Int) return false;
  std::string_view name = account(uid->i);
  if (name.empty()) return false;
  ev.set_string(model::Field::Account, name);
  return true;
}

}  // namespace bannin::enrich
