// The daemon's notices (config `notify:` and `inventory:`): the inventory loaded at start,
// the channels built from the configuration, and the notify thread's view in status.
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include <bannin/app/daemon.h>
#include <bannin/core/json_writer.h>
#include <bannin/notify/mail/smtp_channel.h>
#include <bannin/notify/recording/recording_channel.h>
#include <bannin/notify/syslog/syslog_channel.h>
#include <bannin/notify/webhook/webhook_channel.h>
#include <bannin/store/store.h>

namespace bannin::app {

namespace {

core::Result<std::string> read_secret(const std::string& key, const std::string& path) {
  std::ifstream in(path);
  if (!in) return core::make_error("bad_config", key + " " + path + ": " + std::strerror(errno));
  std::string s;
  std::getline(in, s);
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (s.empty()) return core::make_error("bad_config", key + " " + path + ": empty");
  return s;
}

}  // namespace

core::Result<std::shared_ptr<const enrich::Inventory>> load_inventory(
    const DaemonConfig& cfg, std::vector<std::string>& warnings) {
  auto inv = std::make_shared<enrich::Inventory>();
  // The web servers' configuration first: the inventory file's values win over it.
  for (const auto& w : cfg.inventory.web_configs) {
    std::vector<std::string> problems;
    inv->add_web_config(resolve_path(w), problems);
    for (auto& p : problems) warnings.push_back("inventory: " + p);
  }
  if (!cfg.inventory.file.empty()) {
    std::vector<std::string> problems;
    inv->add_file(resolve_path(cfg.inventory.file), problems);
    if (!problems.empty()) {
      std::string msg;
      for (const auto& p : problems) msg += (msg.empty() ? "" : "\n") + p;
      return core::make_error("bad_inventory", msg);
    }
  }
  return std::shared_ptr<const enrich::Inventory>(std::move(inv));
}

core::Result<bool> Daemon::make_notifier(const std::string& store_dir) {
  const NotifyConfig& nc = cfg_.notify;
  if (!nc.enabled) {
    notify_mode_ = "off";
    return true;
  }

  std::vector<std::unique_ptr<notify::Channel>> channels;
  const bool send = cfg_.enforce || nc.observe == "send";
  if (send) {
    if (!nc.smtp_url.empty()) {
      notify::SmtpOptions so;
      so.url = nc.smtp_url;
      so.from = nc.from;
      so.tls = nc.smtp_tls;
      so.user = nc.smtp_user;
      so.ca_file = nc.smtp_ca_file;
      if (!nc.smtp_password_file.empty()) {
        auto pw = read_secret("notify.smtp.password_file", resolve_path(nc.smtp_password_file));
        if (!pw) return pw.error();
        so.password = *pw;
      }
      channels.push_back(std::make_unique<notify::SmtpChannel>(std::move(so)));
    }
    if (!nc.webhook_url.empty()) {
      notify::WebhookOptions wo;
      wo.url = nc.webhook_url;
      if (!nc.webhook_secret_file.empty()) {
        auto sec = read_secret("notify.webhook.secret_file", resolve_path(nc.webhook_secret_file));
        if (!sec) return sec.error();
        wo.secret = *sec;
      }
      channels.push_back(std::make_unique<notify::WebhookChannel>(std::move(wo)));
    }
    if (nc.syslog) channels.push_back(std::make_unique<notify::SyslogChannel>());
    notify_mode_ = "send";
    if (channels.empty()) {
      log("notify: no channel configured (notify.smtp.url, notify.webhook.url, notify.syslog): "
          "incidents are counted, nobody is told");
    }
  } else {
    std::string path = store_dir + "observe-notices.jsonl";
    auto rec = notify::RecordingChannel::open(path);
    if (!rec)
      return core::make_error("observe", "cannot open " + path + ": " + rec.error().message);
    channels.push_back(std::move(*rec));
    notify_mode_ = "file";
  }
  notify::NotifyOptions o;
  o.operator_contacts = nc.operator_contacts;
  o.operator_language = nc.operator_language;
  o.default_language = nc.owner_language;
  o.tell_owners = nc.tell_owners;
  o.enforce = cfg_.enforce;
  o.home_countries = cfg_.home_countries;
  o.operator_hint = nc.operator_hint;
  o.gather = nc.gather;
  o.digest_interval = nc.digest_interval;
  o.per_recipient_per_hour = static_cast<std::uint32_t>(nc.per_recipient_per_hour);
  o.retry_max = static_cast<std::uint32_t>(nc.retry_max);
  o.retry_base = nc.retry_base;
  notifier_ =
      std::make_unique<notify::Notifier>(std::move(o), std::move(channels), inventory_, geo_.get());
  notify_items_ = std::make_unique<BoundedQueue<NotifyItem>>(8192);
  // Every attempt's outcome on record (table notice_deliveries); the rows commit with the
  // pipeline's next commit point, like the act thread's.
  notifier_->on_attempt([this](const notify::Delivery& d) {
    store::NoticeDeliveryRow row;
    row.notice_id = static_cast<std::int64_t>(d.notice->id);
    row.ts = wall_now();
    row.kind = d.notice->kind;
    row.language = d.notice->language;
    for (auto id : d.notice->incidents) {
      row.incidents += (row.incidents.empty() ? "" : ",") + std::to_string(id);
    }
    row.channel = d.channel_name;
    row.recipient = d.recipient;
    row.subject = d.notice->subject;
    row.state = notify::delivery_state_name(d.state);
    row.attempts = d.attempts;
    row.error = d.last_error;
    if (writer_) writer_->push_wait(std::move(row), std::chrono::milliseconds(200));
    if (d.state == notify::Delivery::State::Failed) {
      log("notify: notice %llu not delivered by %s%s%s after %u attempts: %s",
          static_cast<unsigned long long>(d.notice->id), d.channel_name.c_str(),
          d.recipient.empty() ? "" : " to ", d.recipient.c_str(), d.attempts, d.last_error.c_str());
    }
  });
  return true;
}

std::string Daemon::notify_status_json() {
  std::string out;
  core::JsonObjectWriter o(out);
  o.string("mode", notify_mode_.empty() ? "off" : notify_mode_);
  if (notifier_) {
    notify::NotifyStats s = notifier_->status();
    std::string ch;
    for (const auto& c : s.channels) ch += (ch.empty() ? "" : ",") + c;
    o.string("channels", ch);
    o.integer("incidents", static_cast<std::int64_t>(s.incidents));
    o.integer("notices", static_cast<std::int64_t>(s.notices));
    o.integer("digests", static_cast<std::int64_t>(s.digests));
    o.integer("sent", static_cast<std::int64_t>(s.sent));
    o.integer("observed", static_cast<std::int64_t>(s.observed));
    o.integer("pending", static_cast<std::int64_t>(s.pending));
    o.integer("failed", static_cast<std::int64_t>(s.failed));
    o.integer("retries", static_cast<std::int64_t>(s.retries));
    o.integer("rate_limited", static_cast<std::int64_t>(s.rate_limited));
    o.integer("dropped", static_cast<std::int64_t>(s.dropped));
    o.integer("last_latency_ms", static_cast<std::int64_t>(s.last_latency_ms));
    o.integer("max_latency_ms", static_cast<std::int64_t>(s.max_latency_ms));
    o.string("last_error", s.last_error);
    o.raw("deliveries", notifier_->recent_json(20));
  }
  o.close();
  return out;
}

}  // namespace bannin::app
