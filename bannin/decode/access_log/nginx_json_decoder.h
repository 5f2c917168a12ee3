// JSON access logs, one object per line, as nginx writes with `log_format … escape=json`
// (and Caddy, Traefik or hand-made templates do in similar shapes). Keys are matched to
// registry fields by the variable names people put in their templates:
//   time_local | time_iso8601 | @timestamp | timestamp | time | msec   -> ts
//   remote_addr | client | client_ip | remote_ip | src_ip              -> src_ip
//   request (full line) or request_method + request_uri/uri + args + server_protocol
//   status, body_bytes_sent | bytes_sent | bytes, http_referer, http_user_agent,
//   host | server_name | http_host | vhost, remote_user, http_x_forwarded_for,
//   request_time (seconds), server_port.
// Values may be JSON strings or numbers. The whole line must be one valid JSON object.
// Parsing uses simdjson (Debian libsimdjson-dev).
#pragma once

#include <memory>

#include <bannin/decode/access_log/http_fields.h>
#include <bannin/decode/decoder.h>

namespace bannin::decode::access_log {

class NginxJsonDecoder final : public Decoder {
 public:
  NginxJsonDecoder();
  ~NginxJsonDecoder() override;
  [[nodiscard]] std::string_view name() const noexcept override { return "nginx_json"; }
  DecodeResult decode(std::string_view line, model::Event& ev) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  TimestampCache ts_cache_;
};

}  // namespace bannin::decode::access_log
