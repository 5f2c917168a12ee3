// LTSV access logs (http://ltsv.org): tab-separated `label:value` pairs, popular in Japan.
// Labels follow ltsv.org's recommendations and the usual nginx/Apache templates:
//   time (CLF, bracketed or not, or ISO 8601), host / remote_addr (client), user, req
//   (request line) or method + uri + protocol, status, size / body_bytes_sent, referer, ua,
//   vhost, forwardedfor, reqtime (seconds, nginx $request_time), reqtime_microsec (Apache %D).
// Unknown labels are ignored; values "-" and "" mean absent.
#pragma once

#include <bannin/decode/access_log/http_fields.h>
#include <bannin/decode/decoder.h>

namespace bannin::decode::access_log {

class LtsvDecoder final : public Decoder {
 public:
  [[nodiscard]] std::string_view name() const noexcept override { return "ltsv"; }
  DecodeResult decode(std::string_view line, model::Event& ev) override;

 private:
  TimestampCache ts_cache_;
};

}  // namespace bannin::decode::access_log
