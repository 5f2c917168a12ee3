#include <cstring>

#include <bannin/model/event_format.h>

namespace bannin::model {

EventFormatter::EventFormatter() {
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    keys_[i] = ",\"" + std::string(kFieldInfo[i].name) + "\":";
  }
}

std::string_view EventFormatter::ts_text(core::TimeNs t) {
  core::TimeNs sec = t >= 0 ? t / core::kNsPerSec : (t - core::kNsPerSec + 1) / core::kNsPerSec;
  if (t % core::kNsPerSec != 0) {
    std::size_t n = core::format_rfc3339(t, ts_buf_);
    return {ts_buf_, n};
  }
  if (sec != cached_sec_) {
    cached_len_ = core::format_rfc3339(t, cached_);
    cached_sec_ = sec;
  }
  return {cached_, cached_len_};
}

void EventFormatter::append_value(std::string& out, const FieldValue& v) {
  switch (v.type) {
    case FieldType::String:
      replaced_ += core::json_append_string(out, v.s);
      break;
    case FieldType::Int:
      core::json_append_int(out, v.i);
      break;
    case FieldType::Bool:
      out.append(v.b ? "true" : "false");
      break;
    case FieldType::Ip: {
      char buf[core::kIpTextMax];
      std::size_t n = v.ip.format(buf);
      out.push_back('"');
      out.append(buf, n);
      out.push_back('"');
      break;
    }
    case FieldType::Timestamp: {
      out.push_back('"');
      out.append(ts_text(v.i));
      out.push_back('"');
      break;
    }
    case FieldType::Duration: {
      // Seconds with up to 9 decimals, trailing zeros trimmed: 0.25, 12, 0.000001.
      std::int64_t ns = v.i;
      if (ns < 0) {
        out.push_back('-');
        ns = -ns;
      }
      core::json_append_int(out, ns / core::kNsPerSec);
      std::int64_t frac = ns % core::kNsPerSec;
      if (frac != 0) {
        char buf[10];
        for (int k = 8; k >= 0; --k) {
          buf[k] = static_cast<char>('0' + frac % 10);
          frac /= 10;
        }
        int len = 9;
        while (len > 0 && buf[len - 1] == '0') --len;
        out.push_back('.');
        out.append(buf, static_cast<std::size_t>(len));
      }
      break;
    }
  }
}

void EventFormatter::append_json_members(core::JsonObjectWriter& obj, const Event& ev) {
  std::string& out = obj.buffer();
  obj.key("kind");
  out.push_back('"');
  out.append(name(ev.kind()));  // registry names need no escaping
  out.push_back('"');
  obj.key("ts");
  out.push_back('"');
  out.append(ts_text(ev.ts()));
  out.push_back('"');
  // "kind" was written, so every field key takes a leading comma.
  for (const FieldValue& v : ev) {
    out.append(keys_[static_cast<std::size_t>(v.field)]);
    append_value(out, v);
  }
}

void EventFormatter::append_text(std::string& out, const Event& ev) {
  out.append(name(ev.kind()));
  out.push_back(' ');
  out.append(ts_text(ev.ts()));
  for (const FieldValue& v : ev) {
    out.push_back(' ');
    out.append(name(v.field));
    out.push_back('=');
    if (v.type == FieldType::String) {
      bool plain = !v.s.empty();
      for (char c : v.s) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || c == '"' || c == '\\' || c == '=') {
          plain = false;
          break;
        }
      }
      if (plain) {
        out.append(v.s);
        continue;
      }
    }
    append_value(out, v);
  }
}

}  // namespace bannin::model
