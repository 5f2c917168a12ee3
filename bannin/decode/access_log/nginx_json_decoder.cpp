#include <cstring>

#include <simdjson.h>

#include <bannin/core/json_writer.h>
#include <bannin/decode/access_log/nginx_json_decoder.h>

namespace bannin::decode::access_log {

using model::Field;

namespace {

enum class Key {
  Unknown,
  Time,
  Client,
  User,
  Request,
  Method,
  Uri,
  Args,
  Protocol,
  Status,
  Bytes,
  Referer,
  Agent,
  Vhost,
  Forwarded,
  RequestTime,
  ServerPort
};

Key classify(std::string_view k) noexcept {
  struct Entry {
    std::string_view name;
    Key key;
  };
  static constexpr Entry kKeys[] = {
      {"time_local", Key::Time},
      {"time_iso8601", Key::Time},
      {"@timestamp", Key::Time},
      {"timestamp", Key::Time},
      {"time", Key::Time},
      {"msec", Key::Time},
      {"ts", Key::Time},
      {"remote_addr", Key::Client},
      {"client", Key::Client},
      {"client_ip", Key::Client},
      {"remote_ip", Key::Client},
      {"src_ip", Key::Client},
      {"remote_user", Key::User},
      {"user", Key::User},
      {"request", Key::Request},
      {"request_method", Key::Method},
      {"method", Key::Method},
      {"request_uri", Key::Uri},
      {"uri", Key::Uri},
      {"args", Key::Args},
      {"query_string", Key::Args},
      {"server_protocol", Key::Protocol},
      {"protocol", Key::Protocol},
      {"status", Key::Status},
      {"body_bytes_sent", Key::Bytes},
      {"bytes_sent", Key::Bytes},
      {"bytes", Key::Bytes},
      {"http_referer", Key::Referer},
      {"http_referrer", Key::Referer},
      {"referer", Key::Referer},
      {"http_user_agent", Key::Agent},
      {"user_agent", Key::Agent},
      {"host", Key::Vhost},
      {"http_host", Key::Vhost},
      {"server_name", Key::Vhost},
      {"vhost", Key::Vhost},
      {"http_x_forwarded_for", Key::Forwarded},
      {"forwarded_for", Key::Forwarded},
      {"request_time", Key::RequestTime},
      {"server_port", Key::ServerPort},
  };
  for (const Entry& e : kKeys) {
    if (e.name == k) return e.key;
  }
  return Key::Unknown;
}

}  // namespace

struct NginxJsonDecoder::Impl {
  simdjson::dom::parser parser;
  std::string padded;  // the line copied with simdjson's required padding
};

NginxJsonDecoder::NginxJsonDecoder() : impl_(std::make_unique<Impl>()) {}
NginxJsonDecoder::~NginxJsonDecoder() = default;

DecodeResult NginxJsonDecoder::decode(std::string_view line, model::Event& ev) {
  ev.set_kind(model::EventKind::HttpRequest);
  std::size_t first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos || line[first] != '{') {
    return DecodeResult::fail("not_json_object", first == std::string_view::npos ? 0 : first);
  }
  Impl& im = *impl_;
  im.padded.resize(line.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(im.padded.data(), line.data(), line.size());
  simdjson::dom::element doc;
  simdjson::error_code err = im.parser.parse(im.padded.data(), line.size(), false).get(doc);
  if (err == simdjson::UTF8_ERROR) {
    // nginx escape=json escapes only '"', '\\' and bytes below 0x20: bytes >= 0x80 are
    // logged as sent, so a client can put invalid UTF-8 in its request line or headers.
    // Read such a line anyway, with each invalid byte replaced by U+FFFD.
    im.padded.clear();
    core::utf8_append_replacing_invalid(im.padded, line);
    std::size_t len = im.padded.size();
    im.padded.resize(len + simdjson::SIMDJSON_PADDING);
    err = im.parser.parse(im.padded.data(), len, false).get(doc);
  }
  if (err != simdjson::SUCCESS) return DecodeResult::fail("bad_json", first);
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    return DecodeResult::fail("not_json_object", first);
  }

  std::string_view time_text, request, method, uri, args, protocol;
  bool have_time = false, have_client = false, have_request = false;
  char numbuf[32];
  for (auto [key, value] : obj) {
    Key k = classify(key);
    if (k == Key::Unknown) continue;
    // Every value as text: strings as they are, numbers in their JSON spelling.
    std::string_view text;
    if (value.is_string()) {
      text = value.get_string().value_unsafe();
    } else if (value.is_int64() || value.is_uint64() || value.is_double()) {
      std::string_view raw;
      if (value.is_int64()) {
        int n = std::snprintf(numbuf, sizeof numbuf, "%lld",
                              static_cast<long long>(value.get_int64().value_unsafe()));
        raw = {numbuf, static_cast<std::size_t>(n)};
      } else if (value.is_uint64()) {
        int n = std::snprintf(numbuf, sizeof numbuf, "%llu",
                              static_cast<unsigned long long>(value.get_uint64().value_unsafe()));
        raw = {numbuf, static_cast<std::size_t>(n)};
      } else {
        int n = std::snprintf(numbuf, sizeof numbuf, "%.6f", value.get_double().value_unsafe());
        raw = {numbuf, static_cast<std::size_t>(n)};
      }
      // Copy: numbuf is reused by the next number.
      char* p = ev.scratch(raw.size());
      std::memcpy(p, raw.data(), raw.size());
      text = {p, raw.size()};
    } else {
      continue;  // null, bool, arrays, objects: nothing we map
    }
    bool absent = text.empty() || text == "-";
    if (k == Key::Request) {
      have_request = true;
      request = text;
      continue;
    }
    if (absent) continue;
    switch (k) {
      case Key::Time:
        time_text = text;
        have_time = true;
        break;
      case Key::Client:
        set_client(text, ev);
        have_client = true;
        break;
      case Key::User:
        ev.set_string(Field::User, text);
        break;
      case Key::Method:
        method = text;
        break;
      case Key::Uri:
        uri = text;
        break;
      case Key::Args:
        args = text;
        break;
      case Key::Protocol:
        protocol = text;
        break;
      case Key::Status:
        if (auto v = parse_uint(text, 3)) {
          ev.set_int(Field::Status, *v);
        } else {
          return DecodeResult::fail("bad_status", first);
        }
        break;
      case Key::Bytes:
        if (auto v = parse_uint(text, 18)) ev.set_int(Field::Bytes, *v);
        break;
      case Key::Referer:
        ev.set_string(Field::Referer, text);
        break;
      case Key::Agent:
        ev.set_string(Field::UserAgent, text);
        break;
      case Key::Vhost:
        ev.set_string(Field::Vhost, text);
        break;
      case Key::Forwarded:
        ev.set_string(Field::ForwardedFor, text);
        break;
      case Key::RequestTime:
        if (auto ns = parse_seconds_ns(text)) ev.set_duration(Field::RequestTime, *ns);
        break;
      case Key::ServerPort:
        if (auto v = parse_uint(text, 5)) ev.set_int(Field::ServerPort, *v);
        break;
      case Key::Request:
      case Key::Unknown:
        break;
    }
  }
  if (!have_time) return DecodeResult::fail("missing_time", first);
  auto ts = ts_cache_.get(time_text, parse_any_time);
  if (!ts) return DecodeResult::fail("bad_timestamp", first);
  ev.set_ts(*ts);
  if (!have_client) return DecodeResult::fail("missing_client", first);
  if (have_request) {
    set_request_fields(request, request, ev);
  } else if (!method.empty() && !uri.empty()) {
    ev.set_string(Field::Method, method);
    set_target_fields(uri, ev);
    if (!args.empty() && !ev.has(Field::Query)) ev.set_string(Field::Query, args);
    if (!protocol.empty()) ev.set_string(Field::Proto, protocol);
  } else {
    return DecodeResult::fail("missing_request", first);
  }
  return DecodeResult::success();
}

}  // namespace bannin::decode::access_log
