#include <algorithm>

#include <bannin/app/account_mail.h>

namespace bannin::app {

namespace {

// Key tags: the first byte of a sender's key says what its name is.
constexpr char kAccount = 'a', kLogin = 'l', kDomain = 'd';

std::string who_of(std::string_view key) {
  const std::string_view name = key.substr(1);
  switch (key.front()) {
    case kAccount:
      return "account " + std::string(name);
    case kLogin:
      return "login " + std::string(name);
    default:
      return "sender domain " + std::string(name);
  }
}

}  // namespace

void AccountMailTally::count(const model::Event& ev) {
  if (ev.kind() != model::EventKind::MailSent) return;
  key_.clear();
  if (auto a = ev.str(model::Field::Account); !a.empty()) {
    key_.push_back(kAccount);
    key_.append(a);
  } else if (auto u = ev.str(model::Field::User); !u.empty()) {
    key_.push_back(kLogin);
    key_.append(u);
  } else if (auto s = ev.str(model::Field::Sender); s.find('@') != std::string_view::npos) {
    key_.push_back(kDomain);
    key_.append(s.substr(s.rfind('@') + 1));
  } else {
    return;  // a bounce (null sender) or a line without any name
  }
  auto it = by_sender_.find(std::string_view(key_));
  if (it == by_sender_.end()) {
    if (by_sender_.size() >= kMaxSenders) {
      ++untracked_;
      return;
    }
    it = by_sender_.emplace(key_, Hours{}).first;
  }
  const std::int64_t hour = ev.ts() / core::kNsPerHour;
  const auto slot = static_cast<std::size_t>(((hour % kHours) + kHours) % kHours);
  Hours& h = it->second;
  if (h.hour[slot] != hour) {  // a slot of an older day: start it over
    h.hour[slot] = hour;
    h.sent[slot] = 0;
    h.failed[slot] = 0;
  }
  ++h.sent[slot];
  const std::string_view status = ev.str(model::Field::DeliveryStatus);
  if (status == "deferred" || status == "bounced" || status == "expired") ++h.failed[slot];
}

std::vector<AccountMailTally::Sender> AccountMailTally::top(core::TimeNs until, core::TimeNs span,
                                                            std::size_t n) const {
  const std::int64_t last = until / core::kNsPerHour;
  const std::int64_t hours =
      std::clamp<std::int64_t>(span / core::kNsPerHour, 1, static_cast<std::int64_t>(kHours) - 1);
  const std::int64_t first = last - hours;
  std::vector<Sender> out;
  for (const auto& [key, h] : by_sender_) {
    Sender s;
    for (std::size_t i = 0; i < kHours; ++i) {
      if (h.hour[i] < first || h.hour[i] > last) continue;
      s.deliveries += h.sent[i];
      s.failed += h.failed[i];
    }
    if (s.deliveries == 0) continue;
    s.who = key;  // the key for now: names are made for the few kept
    out.push_back(std::move(s));
  }
  auto more = [](const Sender& a, const Sender& b) {
    return a.deliveries != b.deliveries ? a.deliveries > b.deliveries : a.who < b.who;
  };
  const std::size_t keep = std::min(n, out.size());
  std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(keep), out.end(), more);
  out.resize(keep);
  for (Sender& s : out) s.who = who_of(s.who);
  return out;
}

std::vector<std::string> AccountMailTally::evidence(core::TimeNs until, std::size_t n) const {
  std::vector<std::string> lines;
  const auto senders = top(until, 24 * core::kNsPerHour, n);
  if (senders.empty()) {
    lines.emplace_back(
        "mail in the 24 h before the listing: none seen in the mail logs bannin reads "
        "(is the mail log among the sources?)");
    return lines;
  }
  for (std::size_t i = 0; i < senders.size(); ++i) {
    const Sender& s = senders[i];
    lines.push_back("mail in the 24 h before the listing, #" + std::to_string(i + 1) + ": " +
                    s.who + " sent " + std::to_string(s.deliveries) + " (" +
                    std::to_string(s.failed) + " deferred or bounced)");
  }
  return lines;
}

}  // namespace bannin::app
