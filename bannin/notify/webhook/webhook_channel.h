// WebhookChannel: a notice as a JSON POST (the Notice's json: an array of incident objects
// with subject and text), signed with HMAC-SHA256 over the body in the header
// `X-Bannin-Signature-256: sha256=<hex>` when a secret is set (the receiver recomputes it with
// the shared secret and compares). 2xx = delivered; 408, 429, 5xx and network errors are
// retried; other answers are permanent failures.
#pragma once

#include <string>

#include <bannin/notify/channel.h>

namespace bannin::notify {

struct WebhookOptions {
  std::string url;
  std::string secret;  ///< HMAC key; "" = unsigned
  long timeout_ms = 10'000;
};

class WebhookChannel final : public Channel {
 public:
  explicit WebhookChannel(WebhookOptions o) : o_(std::move(o)) {}
  [[nodiscard]] const char* name() const noexcept override { return "webhook"; }
  [[nodiscard]] bool per_recipient() const noexcept override { return false; }
  core::Result<bool> deliver(const Notice& notice, const std::string& recipient) override;

 private:
  WebhookOptions o_;
};

}  // namespace bannin::notify
