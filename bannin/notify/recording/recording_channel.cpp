#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>

#include <bannin/core/json_writer.h>
#include <bannin/notify/recording/recording_channel.h>

namespace bannin::notify {

core::Result<std::unique_ptr<RecordingChannel>> RecordingChannel::open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "ae");
  if (f == nullptr) return core::make_error("io", path + ": " + std::strerror(errno));
  return std::unique_ptr<RecordingChannel>(new RecordingChannel(f, path));
}

RecordingChannel::~RecordingChannel() {
  if (f_ != nullptr) std::fclose(f_);
}

core::Result<bool> RecordingChannel::deliver(const Notice& notice,
                                             const std::string& /*recipient*/) {
  std::string line;
  core::JsonObjectWriter o(line);
  o.integer("ts", static_cast<std::int64_t>(time(nullptr)));
  o.integer("notice", static_cast<std::int64_t>(notice.id));
  o.string("kind", notice.kind);
  o.string("language", notice.language);
  o.key("recipients");
  line.push_back('[');
  for (std::size_t i = 0; i < notice.recipients.size(); ++i) {
    if (i != 0) line.push_back(',');
    core::json_append_string(line, notice.recipients[i]);
  }
  line.push_back(']');
  o.key("incidents");
  line.push_back('[');
  for (std::size_t i = 0; i < notice.incidents.size(); ++i) {
    if (i != 0) line.push_back(',');
    core::json_append_int(line, static_cast<std::int64_t>(notice.incidents[i]));
  }
  line.push_back(']');
  o.string("vhost", notice.vhost);
  o.string("account", notice.account);
  o.string("subject", notice.subject);
  o.string("text", notice.text);
  o.raw("webhook", notice.json);
  o.close();
  line.push_back('\n');
  if (std::fwrite(line.data(), 1, line.size(), f_) != line.size() || std::fflush(f_) != 0) {
    return core::make_error("retry", path_ + ": " + std::strerror(errno));
  }
  return true;
}

}  // namespace bannin::notify
