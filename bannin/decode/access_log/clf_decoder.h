// The Apache/nginx "Common Log Format" family, the most common access logs there are:
//
//   common          %h %l %u %t "%r" %>s %b
//   combined        %h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" [extra…]
//   vhost_combined  %v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i" [extra…]
//
// nginx's default `combined`/`main` formats are the same shape; a third quoted field after
// the user agent (nginx "main": "$http_x_forwarded_for") becomes forwarded_for, anything
// further is ignored. Quoted fields may hold Apache (\" \\ \xHH) or nginx (\xHH) escapes.
// A request line that is not HTTP gives an event with non_http=true, not a reject.
#pragma once

#include <bannin/decode/access_log/http_fields.h>
#include <bannin/decode/decoder.h>

namespace bannin::decode::access_log {

enum class ClfVariant { Common, Combined, VhostCombined };

class ClfDecoder final : public Decoder {
 public:
  explicit ClfDecoder(ClfVariant variant) : variant_(variant) {}
  [[nodiscard]] std::string_view name() const noexcept override;
  DecodeResult decode(std::string_view line, model::Event& ev) override;

 private:
  ClfVariant variant_;
  TimestampCache ts_cache_;
};

}  // namespace bannin::decode::access_log
