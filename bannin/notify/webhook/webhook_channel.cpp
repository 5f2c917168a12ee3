#include <bannin/notify/curl_api.h>
#include <bannin/notify/sha256.h>
#include <bannin/notify/webhook/webhook_channel.h>

namespace bannin::notify {

namespace {

std::size_t discard(char* /*ptr*/, std::size_t size, std::size_t n, void* /*user*/) {
  return size * n;
}

}  // namespace

core::Result<bool> WebhookChannel::deliver(const Notice& notice, const std::string& /*recipient*/) {
  const CurlApi& api = curl_api();
  if (!api.error.empty()) return core::make_error("retry", api.error);
  CURL* curl = api.easy_init();
  if (curl == nullptr) return core::make_error("retry", "curl_easy_init failed");
  curl_slist* headers = api.slist_append(nullptr, "Content-Type: application/json");
  headers = api.slist_append(headers, ("X-Bannin-Notice: " + std::to_string(notice.id)).c_str());
  if (!o_.secret.empty()) {
    headers = api.slist_append(
        headers,
        ("X-Bannin-Signature-256: sha256=" + hmac_sha256_hex(o_.secret, notice.json)).c_str());
  }
  api.easy_setopt(curl, CURLOPT_URL, o_.url.c_str());
  api.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  api.easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  api.easy_setopt(curl, CURLOPT_POST, 1L);
  api.easy_setopt(curl, CURLOPT_POSTFIELDS, notice.json.c_str());
  api.easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(notice.json.size()));
  api.easy_setopt(curl, CURLOPT_USERAGENT, "bannin-notify");
  api.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  api.easy_setopt(curl, CURLOPT_TIMEOUT_MS, o_.timeout_ms);
  api.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, o_.timeout_ms);
  api.easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
  CURLcode rc = api.easy_perform(curl);
  long code = 0;
  api.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  api.easy_cleanup(curl);
  api.slist_free_all(headers);
  if (rc != CURLE_OK) {
    return core::make_error("retry", std::string(api.easy_strerror(rc)) + " (" + o_.url + ")");
  }
  if (code >= 200 && code < 300) return true;
  bool retry = code == 408 || code == 429 || code >= 500;
  return core::make_error(retry ? "retry" : "permanent",
                          "HTTP " + std::to_string(code) + " from " + o_.url);
}

}  // namespace bannin::notify
