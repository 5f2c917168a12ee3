#include <cstring>

#include <bannin/decode/access_log/ltsv_decoder.h>

namespace bannin::decode::access_log {

using model::Field;

DecodeResult LtsvDecoder::decode(std::string_view line, model::Event& ev) {
  ev.set_kind(model::EventKind::HttpRequest);
  std::string_view time_text, request, method, uri, protocol;
  std::size_t time_at = 0;
  bool have_client = false;
  bool have_request = false;
  std::size_t pos = 0;
  int pairs = 0;
  while (pos <= line.size()) {
    const void* tab =
        pos < line.size() ? std::memchr(line.data() + pos, '\t', line.size() - pos) : nullptr;
    std::size_t end = tab != nullptr
                          ? static_cast<std::size_t>(static_cast<const char*>(tab) - line.data())
                          : line.size();
    std::string_view pair = line.substr(pos, end - pos);
    std::size_t colon = pair.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      if (pair.empty() && tab == nullptr && pairs > 0) break;  // trailing tab
      return DecodeResult::fail(pairs == 0 ? "not_ltsv" : "bad_pair", pos);
    }
    ++pairs;
    std::string_view label = pair.substr(0, colon);
    std::string_view value = pair.substr(colon + 1);
    bool absent = value.empty() || value == "-";
    if (label == "req" || label == "request") {
      request = value;
      have_request = true;
    } else if (label == "time") {
      time_text = value;
      time_at = pos + colon + 1;
    } else if (label == "host" || label == "remote_addr") {
      if (!absent) {
        set_client(value, ev);
        have_client = true;
      }
    } else if (!absent) {
      if (label == "method") {
        method = value;
      } else if (label == "uri" || label == "request_uri") {
        uri = value;
      } else if (label == "protocol") {
        protocol = value;
      } else if (label == "status") {
        if (auto v = parse_uint(value, 3)) {
          ev.set_int(Field::Status, *v);
        } else {
          return DecodeResult::fail("bad_status", pos + colon + 1);
        }
      } else if (label == "size" || label == "body_bytes_sent" || label == "bytes_sent") {
        if (auto v = parse_uint(value, 18)) ev.set_int(Field::Bytes, *v);
      } else if (label == "referer" || label == "referrer") {
        ev.set_string(Field::Referer, unescape_log_field(value, ev));
      } else if (label == "ua" || label == "user_agent") {
        ev.set_string(Field::UserAgent, unescape_log_field(value, ev));
      } else if (label == "user" || label == "remote_user") {
        ev.set_string(Field::User, unescape_log_field(value, ev));
      } else if (label == "vhost" || label == "server_name") {
        ev.set_string(Field::Vhost, value);
      } else if (label == "forwardedfor" || label == "x_forwarded_for") {
        ev.set_string(Field::ForwardedFor, unescape_log_field(value, ev));
      } else if (label == "reqtime" || label == "request_time") {
        if (auto ns = parse_seconds_ns(value)) ev.set_duration(Field::RequestTime, *ns);
      } else if (label == "reqtime_microsec") {
        if (auto us = parse_uint(value, 15)) ev.set_duration(Field::RequestTime, *us * 1000);
      }
    }
    if (tab == nullptr) break;
    pos = end + 1;
  }
  if (time_text.empty()) return DecodeResult::fail("missing_time", 0);
  auto ts = ts_cache_.get(time_text, parse_any_time);
  if (!ts) return DecodeResult::fail("bad_timestamp", time_at);
  ev.set_ts(*ts);
  if (!have_client) return DecodeResult::fail("missing_client", 0);
  if (have_request) {
    set_request_fields(unescape_log_field(request, ev), request, ev);
  } else if (!method.empty() && !uri.empty()) {
    ev.set_string(Field::Method, method);
    set_target_fields(unescape_log_field(uri, ev), ev);
    if (!protocol.empty()) ev.set_string(Field::Proto, protocol);
  } else {
    return DecodeResult::fail("missing_request", 0);
  }
  return DecodeResult::success();
}

}  // namespace bannin::decode::access_log
