#include <stdexcept>
#include <string>

#include <bannin/decode/access_log/clf_decoder.h>
#include <bannin/decode/access_log/ltsv_decoder.h>
#include <bannin/decode/access_log/nginx_json_decoder.h>
#include <bannin/decode/decoder_set.h>
#include <bannin/decode/syslog/syslog_decoder.h>

namespace bannin::decode {

const std::vector<DecoderInfo>& all_decoders() {
  using access_log::ClfDecoder;
  using access_log::ClfVariant;
  static const std::vector<DecoderInfo> all = {
      {"vhost_combined",
       "Apache vhost_combined: %v:%p %h %l %u %t \"%r\" %>s %O \"Referer\" \"UA\"",
       []() -> std::unique_ptr<Decoder> {
         return std::make_unique<ClfDecoder>(ClfVariant::VhostCombined);
       }},
      {"combined", "Apache/nginx combined: %h %l %u %t \"%r\" %>s %b \"Referer\" \"UA\"",
       []() -> std::unique_ptr<Decoder> {
         return std::make_unique<ClfDecoder>(ClfVariant::Combined);
       }},
      {"common", "Common Log Format: %h %l %u %t \"%r\" %>s %b",
       []() -> std::unique_ptr<Decoder> {
         return std::make_unique<ClfDecoder>(ClfVariant::Common);
       }},
      {"nginx_json", "JSON object per line (nginx log_format escape=json and similar)",
       []() -> std::unique_ptr<Decoder> {
         return std::make_unique<access_log::NginxJsonDecoder>();
       }},
      {"ltsv", "Labeled Tab-separated Values (ltsv.org) access logs",
       []() -> std::unique_ptr<Decoder> { return std::make_unique<access_log::LtsvDecoder>(); }},
      // Daemon logs (syslog, journal or the daemon's own file); see syslog/syslog_decoder.h.
      {"syslog",
       "Daemon logs: sshd, postfix, sendmail, exim, dovecot, courier, cyrus, FTP, named/unbound, "
       "Apache/nginx error logs, webmail, MySQL (RFC 3164/5424, ISO-8601, journal short/JSON, "
       "native)",
       []() -> std::unique_ptr<Decoder> { return std::make_unique<syslog::SyslogDecoder>(); }},
  };
  return all;
}

std::unique_ptr<Decoder> make_decoder(std::string_view name) {
  for (const DecoderInfo& d : all_decoders()) {
    if (d.name == name) return d.make();
  }
  return nullptr;
}

DecoderSet::DecoderSet(std::string_view choice) {
  if (choice == "auto") {
    auto_ = true;
    for (const DecoderInfo& d : all_decoders()) candidates_.push_back(d.make());
    return;
  }
  auto d = make_decoder(choice);
  if (!d) {
    std::string names;
    for (const DecoderInfo& info : all_decoders()) {
      names += names.empty() ? "" : ", ";
      names += info.name;
    }
    throw std::invalid_argument("unknown decoder '" + std::string(choice) + "' (known: auto, " +
                                names + ")");
  }
  candidates_.push_back(std::move(d));
}

void DecoderSet::detect(const std::vector<std::string_view>& sample) {
  if (!auto_ || sample.empty()) return;
  model::Event ev;
  std::size_t best_hits = 0;
  int best = 0;
  for (std::size_t i = 0; i < candidates_.size(); ++i) {
    std::size_t hits = 0;
    for (std::string_view line : sample) {
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      ev.reset();
      if (candidates_[i]->decode(line, ev).ok()) ++hits;
    }
    if (hits > best_hits) {  // strictly more: earlier (more specific) decoders win ties
      best_hits = hits;
      best = static_cast<int>(i);
    }
  }
  primary_ = best;
}

DecoderSet::Outcome DecoderSet::decode(std::string_view line, model::Event& ev) {
  Outcome out;
  if (line.empty()) {
    out.result = DecodeResult::fail("empty_line", 0);
    return out;
  }
  ev.reset();
  out.result = candidates_[static_cast<std::size_t>(primary_)]->decode(line, ev);
  if (out.result.ok()) {
    out.decoder = primary_;
    return out;
  }
  if (!auto_) return out;
  for (std::size_t i = 0; i < candidates_.size(); ++i) {
    if (static_cast<int>(i) == primary_) continue;
    ev.reset();
    if (candidates_[i]->decode(line, ev).ok()) {
      out.decoder = static_cast<int>(i);
      out.result = DecodeResult::success();
      return out;
    }
  }
  return out;
}

}  // namespace bannin::decode
