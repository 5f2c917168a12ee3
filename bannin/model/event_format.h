// Writing Events as JSON or as one line of text, for `bannin parse`, `bannin replay` and
// the API. An EventFormatter caches the last formatted second, because consecutive log
// lines mostly share it; one formatter per thread.
#pragma once

#include <array>
#include <limits>
#include <string>

#include <bannin/core/json_writer.h>
#include <bannin/model/event.h>

namespace bannin::model {

class EventFormatter {
 public:
  EventFormatter();
  /// Writes "kind", "ts" and every field of ev as members of an open JSON object.
  void append_json_members(core::JsonObjectWriter& obj, const Event& ev);
  /// Writes `kind ts field=value ...` (values with spaces or quotes are JSON-quoted).
  void append_text(std::string& out, const Event& ev);
  /// RFC 3339 text of t (cached per second).
  std::string_view ts_text(core::TimeNs t);

  /// Invalid UTF-8 bytes replaced so far (see core/json_writer.h).
  [[nodiscard]] std::size_t replaced_bytes() const noexcept { return replaced_; }

 private:
  void append_value(std::string& out, const FieldValue& v);

  core::TimeNs cached_sec_ = std::numeric_limits<core::TimeNs>::min();  // no second is cached
  char cached_[core::kRfc3339Max] = {};
  std::size_t cached_len_ = 0;
  char ts_buf_[core::kRfc3339Max] = {};
  std::size_t replaced_ = 0;
  std::array<std::string, kFieldCount> keys_;  // `,"name":` per field, written with one append
};

}  // namespace bannin::model
