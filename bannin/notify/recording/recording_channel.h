// RecordingChannel: observe mode. Each notice is appended as one JSON line to a file (what
// would have been sent, to whom, subject, text and the webhook body) instead of being sent.
#pragma once

#include <cstdio>
#include <string>

#include <bannin/notify/channel.h>

namespace bannin::notify {

class RecordingChannel final : public Channel {
 public:
  /// Opens `path` for appending; an error when it cannot.
  static core::Result<std::unique_ptr<RecordingChannel>> open(const std::string& path);
  ~RecordingChannel() override;
  RecordingChannel(const RecordingChannel&) = delete;
  RecordingChannel& operator=(const RecordingChannel&) = delete;
  [[nodiscard]] const char* name() const noexcept override { return "recording"; }
  [[nodiscard]] bool per_recipient() const noexcept override { return false; }
  core::Result<bool> deliver(const Notice& notice, const std::string& recipient) override;

 private:
  explicit RecordingChannel(std::FILE* f, std::string path) : f_(f), path_(std::move(path)) {}
  std::FILE* f_;
  std::string path_;
};

}  // namespace bannin::notify
