#include <cstring>

#include <bannin/decode/mail_correlator.h>

namespace bannin::decode {

using model::EventKind;
using model::Field;
using std::string_view;

namespace {

// A copy of s in the event's scratch arena (valid until ev.reset()).
string_view scratch_copy(model::Event& ev, string_view s) {
  if (s.empty()) return {};
  char* p = ev.scratch(s.size());
  std::memcpy(p, s.data(), s.size());
  return {p, s.size()};
}

std::int64_t int_field(const model::Event& ev, Field f) {
  const model::FieldValue* v = ev.get(f);
  return v != nullptr && v->type == model::FieldType::Int ? v->i : -1;
}

bool keepable(string_view s) {
  return !s.empty() && s.size() <= MailCorrelator::kMaxValue;
}

bool alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

bool plausible_qid(string_view s) {
  if (s.size() < 5 || s.size() > 23) return false;
  for (char c : s) {
    if (!alnum(c) && c != '-') return false;
  }
  return true;
}

// A relay on this machine: a content filter (amavis, spamassassin's spampd) or a second MTA
// instance. Only these hand-overs are followed; a remote server's queue id means nothing here.
bool local_relay(string_view relay) {
  return relay.find("127.0.0.1") != string_view::npos || relay.find("[::1]") != string_view::npos ||
         relay.starts_with("localhost");
}

// The queue id the next hop gave the message, from the delivery's reply text:
//   postfix  "250 2.0.0 Ok: queued as 4BBF1A0C2A" (also inside amavis' "from MTA(…): …")
//   sendmail "x4HJ2bXo012345 Message accepted for delivery"
string_view next_hop_qid(string_view reason) {
  constexpr string_view kQueuedAs = "queued as ";
  std::size_t p = reason.rfind(kQueuedAs);
  if (p != string_view::npos) {
    string_view id = reason.substr(p + kQueuedAs.size());
    std::size_t e = 0;
    while (e < id.size() && (alnum(id[e]) || id[e] == '-')) ++e;
    id = id.substr(0, e);
    return plausible_qid(id) ? id : string_view{};
  }
  constexpr string_view kAccepted = " Message accepted for delivery";
  p = reason.find(kAccepted);
  if (p != string_view::npos) {
    string_view id = reason.substr(0, p);
    return plausible_qid(id) ? id : string_view{};
  }
  return {};
}

}  // namespace

MailCorrelator::MailCorrelator(Options opt) : opt_(opt) {
  if (opt_.max_entries == 0) opt_.max_entries = 1;
  index_.reserve(opt_.max_entries < 4096 ? opt_.max_entries : 4096);
}

void MailCorrelator::clear() {
  index_.clear();
  lru_.clear();
  stats_ = {};
  now_ = 0;
}

void MailCorrelator::make_key(string_view host, string_view qid) {
  key_.assign(host);
  key_.push_back('\0');
  key_.append(qid);
}

MailCorrelator::List::iterator MailCorrelator::find() {
  auto it = index_.find(string_view(key_));
  return it == index_.end() ? lru_.end() : it->second;
}

MailCorrelator::List::iterator MailCorrelator::find_or_create(core::TimeNs ts) {
  auto found = find();
  if (found != lru_.end()) {
    touch(found, ts);
    return found;
  }
  if (index_.size() >= opt_.max_entries) {
    erase(lru_.begin());
    ++stats_.evicted;
  }
  lru_.emplace_back();
  auto it = std::prev(lru_.end());
  it->key = key_;
  it->last_seen = ts;
  index_.emplace(string_view(it->key), it);
  ++stats_.learned;
  return it;
}

void MailCorrelator::touch(List::iterator it, core::TimeNs ts) {
  it->last_seen = ts;
  lru_.splice(lru_.end(), lru_, it);  // most recently seen last; iterators stay valid
}

void MailCorrelator::erase(List::iterator it) {
  index_.erase(string_view(it->key));
  lru_.erase(it);
}

// Entries are in order of last line and stamped with the clock at that line; the clock only
// moves forward (now_ is a high-water mark of event time), so the expired ones are at the front.
void MailCorrelator::expire() {
  while (!lru_.empty() && now_ - lru_.front().last_seen > opt_.ttl) {
    erase(lru_.begin());
    ++stats_.expired;
  }
}

void MailCorrelator::learn(Entry& e, const model::Event& ev) {
  // Who submitted: the first line that says so wins. What: the latest line (qmgr's from=
  // is the envelope sender as queued; pickup's may be a bare login name).
  if (e.uid < 0) e.uid = int_field(ev, Field::Uid);
  if (e.account.empty() && keepable(ev.str(Field::Account))) e.account = ev.str(Field::Account);
  if (e.user.empty() && keepable(ev.str(Field::User))) e.user = ev.str(Field::User);
  if (e.script.empty() && keepable(ev.str(Field::Script))) e.script = ev.str(Field::Script);
  if (ev.kind() != EventKind::MailSent) {
    if (keepable(ev.str(Field::Sender))) e.sender = ev.str(Field::Sender);
    if (std::int64_t size = int_field(ev, Field::Size); size >= 0) e.size = size;
  }
}

bool MailCorrelator::fill(const Entry& e, model::Event& ev, bool with_sender) {
  bool any = false;
  if (e.uid >= 0 && !ev.has(Field::Uid)) {
    ev.set_int(Field::Uid, e.uid);
    any = true;
  }
  if (!e.account.empty() && !ev.has(Field::Account)) {
    ev.set_string(Field::Account, scratch_copy(ev, e.account));
    any = true;
  }
  if (!e.user.empty() && !ev.has(Field::User)) {
    ev.set_string(Field::User, scratch_copy(ev, e.user));
    any = true;
  }
  if (!e.script.empty() && !ev.has(Field::Script)) {
    ev.set_string(Field::Script, scratch_copy(ev, e.script));
    any = true;
  }
  if (with_sender) {
    if (!e.sender.empty() && !ev.has(Field::Sender)) {
      ev.set_string(Field::Sender, scratch_copy(ev, e.sender));
      any = true;
    }
    if (e.size >= 0 && !ev.has(Field::Size)) {
      ev.set_int(Field::Size, e.size);
      any = true;
    }
  }
  return any;
}

void MailCorrelator::link(const Entry& from, string_view host, string_view new_qid,
                          core::TimeNs ts) {
  // Copy before find_or_create: it may evict `from` when the table is full.
  std::int64_t uid = from.uid;
  std::string account = from.account, user = from.user, sender = from.sender, script = from.script;
  std::int64_t size = from.size;
  make_key(host, new_qid);
  auto it = find_or_create(ts);
  Entry& e = *it;
  // The new queue's own lines (reinjection by the filter) may have come first: keep what
  // they said and add the origin.
  if (e.uid < 0) e.uid = uid;
  if (e.account.empty()) e.account = std::move(account);
  if (e.user.empty()) e.user = std::move(user);
  if (e.sender.empty()) e.sender = std::move(sender);
  if (e.script.empty()) e.script = std::move(script);
  if (e.size < 0) e.size = size;
  ++stats_.linked;
}

void MailCorrelator::observe(model::Event& ev) {
  EventKind kind = ev.kind();
  if (kind != EventKind::MailReceived && kind != EventKind::MailSent &&
      kind != EventKind::MailRejected) {
    return;
  }
  string_view qid = ev.str(Field::QueueId);
  if (qid.empty() || qid.size() > kMaxValue) return;
  string_view host = ev.str(Field::Host);
  if (host.size() > kMaxValue) return;
  // Entries are stamped with the clock, not with their line's own date, so the list stays
  // in time order and a line dated in the past cannot expire its message early.
  if (ev.ts() > now_) now_ = ev.ts();
  core::TimeNs ts = now_;
  expire();

  make_key(host, qid);
  if (kind == EventKind::MailReceived) {
    learn(*find_or_create(ts), ev);
    return;
  }
  auto it = find();
  bool teaches = ev.has(Field::Uid) || ev.has(Field::Account);
  if (it == lru_.end()) {
    // A delivery line that names its submitter (sendmail ctladdr) starts an entry for the
    // message's other recipients; other lines of unknown messages leave no trace.
    if (kind != EventKind::MailSent || !teaches) return;
    it = find_or_create(ts);
  } else {
    touch(it, ts);
  }
  learn(*it, ev);
  if (fill(*it, ev, kind == EventKind::MailSent)) ++stats_.filled;
  if (kind != EventKind::MailSent) return;

  string_view status = ev.str(Field::DeliveryStatus);
  if (!(status.starts_with("sent") || status.starts_with("Sent"))) return;
  if (!local_relay(ev.str(Field::Relay))) return;
  string_view next = next_hop_qid(ev.str(Field::Reason));
  if (next.empty() || next == qid) return;
  if (it->uid < 0 && it->account.empty() && it->user.empty() && it->script.empty())
    return;  // nothing to carry
  link(*it, host, next, ts);
}

void MailCorrelator::forget(string_view host, string_view queue_id) {
  if (queue_id.empty() || queue_id.size() > kMaxValue || host.size() > kMaxValue) return;
  make_key(host, queue_id);
  auto it = find();
  if (it == lru_.end()) return;
  erase(it);
  ++stats_.removed;
}

}  // namespace bannin::decode
