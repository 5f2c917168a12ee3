#include <cstring>
#include <ctime>

#include <unistd.h>

#include <bannin/notify/curl_api.h>
#include <bannin/notify/mail/smtp_channel.h>

namespace bannin::notify {

namespace {

std::string base64(std::string_view in) {
  static constexpr char kTab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    auto a = static_cast<unsigned char>(in[i]), b = static_cast<unsigned char>(in[i + 1]),
         c = static_cast<unsigned char>(in[i + 2]);
    out.push_back(kTab[a >> 2]);
    out.push_back(kTab[((a & 3) << 4) | (b >> 4)]);
    out.push_back(kTab[((b & 15) << 2) | (c >> 6)]);
    out.push_back(kTab[c & 63]);
  }
  if (i < in.size()) {
    auto a = static_cast<unsigned char>(in[i]);
    auto b = i + 1 < in.size() ? static_cast<unsigned char>(in[i + 1]) : 0;
    out.push_back(kTab[a >> 2]);
    out.push_back(kTab[((a & 3) << 4) | (b >> 4)]);
    out.push_back(i + 1 < in.size() ? kTab[(b & 15) << 2] : '=');
    out.push_back('=');
  }
  return out;
}

bool ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// RFC 2047 encoded-words of at most ~45 input bytes each, cut between UTF-8 characters.
std::string encode_header(std::string_view s) {
  if (ascii(s)) return std::string(s);
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t end = std::min(s.size(), i + 45);
    while (end < s.size() && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(s.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

struct Upload {
  std::string data;
  std::size_t pos = 0;
};

std::size_t read_cb(char* buf, std::size_t size, std::size_t n, void* user) {
  auto* u = static_cast<Upload*>(user);
  std::size_t len = std::min(size * n, u->data.size() - u->pos);
  // A byte buffer for libcurl, not a C string: no terminator belongs in it.
  std::memcpy(buf, u->data.data() + u->pos, len);  // NOLINT(bugprone-not-null-terminated-result)
  u->pos += len;
  return len;
}

}  // namespace

std::string mail_message(const Notice& notice, const std::string& from, const std::string& to,
                         core::TimeNs now) {
  time_t t = static_cast<time_t>(now / core::kNsPerSec);
  tm tmv{};
  gmtime_r(&t, &tmv);
  char date[64];
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tmv);
  char host[256] = "localhost";
  (void)gethostname(host, sizeof host - 1);
  std::string m;
  m += "Date: " + std::string(date) + "\r\n";
  m += "From: " + from + "\r\n";
  m += "To: " + to + "\r\n";
  m += "Subject: " + encode_header(notice.subject) + "\r\n";
  m += "Message-ID: <bannin." + std::to_string(notice.id) + "." + std::to_string(t) + "@" + host +
       ">\r\n";
  m += "Auto-Submitted: auto-generated\r\n";
  m += "X-Bannin-Incidents:";
  for (auto id : notice.incidents) m += " " + std::to_string(id);
  m += "\r\nContent-Language: " + notice.language + "\r\n";
  m += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
       "Content-Transfer-Encoding: base64\r\n\r\n";
  std::string crlf;
  for (char c : notice.text) {
    if (c == '\n') crlf.push_back('\r');
    crlf.push_back(c);
  }
  std::string b = base64(crlf);
  for (std::size_t i = 0; i < b.size(); i += 76) m += b.substr(i, 76) + "\r\n";
  return m;
}

core::Result<bool> SmtpChannel::deliver(const Notice& notice, const std::string& recipient) {
  const CurlApi& api = curl_api();
  if (!api.error.empty()) return core::make_error("retry", api.error);
  CURL* curl = api.easy_init();
  if (curl == nullptr) return core::make_error("retry", "curl_easy_init failed");
  Upload up;
  up.data = mail_message(notice, o_.from, recipient,
                         static_cast<core::TimeNs>(time(nullptr)) * core::kNsPerSec);
  curl_slist* rcpt = api.slist_append(nullptr, ("<" + recipient + ">").c_str());
  std::string mail_from = "<" + o_.from + ">";
  api.easy_setopt(curl, CURLOPT_URL, o_.url.c_str());
  api.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  api.easy_setopt(curl, CURLOPT_MAIL_FROM, mail_from.c_str());
  api.easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  api.easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
  api.easy_setopt(curl, CURLOPT_READDATA, &up);
  api.easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  api.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  api.easy_setopt(curl, CURLOPT_TIMEOUT_MS, o_.timeout_ms);
  api.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, o_.timeout_ms);
  long ssl = o_.tls == "require" ? static_cast<long>(CURLUSESSL_ALL)
             : o_.tls == "off"   ? static_cast<long>(CURLUSESSL_NONE)
                                 : static_cast<long>(CURLUSESSL_TRY);
  api.easy_setopt(curl, CURLOPT_USE_SSL, ssl);
  if (!o_.ca_file.empty()) api.easy_setopt(curl, CURLOPT_CAINFO, o_.ca_file.c_str());
  if (!o_.user.empty()) {
    api.easy_setopt(curl, CURLOPT_USERNAME, o_.user.c_str());
    api.easy_setopt(curl, CURLOPT_PASSWORD, o_.password.c_str());
  }
  CURLcode rc = api.easy_perform(curl);
  long code = 0;
  api.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  api.easy_cleanup(curl);
  api.slist_free_all(rcpt);
  if (rc == CURLE_OK) return true;
  std::string why = std::string(api.easy_strerror(rc)) +
                    (code != 0 ? " (SMTP " + std::to_string(code) + ")" : "") + " from " + o_.url;
  // 5xx from the server is permanent (a refused recipient, a refused login); the rest retry.
  bool permanent = code >= 500 && code < 600;
  return core::make_error(permanent ? "permanent" : "retry", why);
}

}  // namespace bannin::notify
