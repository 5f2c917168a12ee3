#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

#include <idn2.h>

#include <bannin/probe/domain/domain_name.h>

namespace bannin::probe::domain {
namespace {

// Label separators besides '.' that people type in Japanese input methods (RFC 3490 §3.1;
// UTS #46 maps them to '.' too): ideographic full stop, full-width full stop, half-width
// ideographic full stop.
constexpr std::string_view kDotLikes[] = {"\xE3\x80\x82", "\xEF\xBC\x8E", "\xEF\xBD\xA1"};

// libidn2 returns malloc()ed strings that the caller frees.
struct FreeDeleter {
  void operator()(char* p) const noexcept { std::free(p); }  // NOLINT(cppcoreguidelines-no-malloc)
};

bool is_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

bool is_ldh(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

// A label for an error message: control bytes escaped, long labels shortened (a 64-octet
// typo should still fit on one line), never cut inside a UTF-8 sequence.
std::string shown(std::string_view label) {
  constexpr std::size_t kHead = 24, kTail = 8;
  std::string in(label);
  if (in.size() > kHead + kTail + 4) {
    std::size_t h = kHead;
    while (h > 0 && (static_cast<unsigned char>(in[h]) & 0xC0) == 0x80) --h;
    std::size_t t = in.size() - kTail;
    while (t < in.size() && (static_cast<unsigned char>(in[t]) & 0xC0) == 0x80) ++t;
    in = in.substr(0, h) + "…" + in.substr(t);
  }
  std::string out;
  for (unsigned char c : in) {
    if (c < 0x20 || c == 0x7F) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

core::Error bad(std::string message) {
  return core::make_error("bad_domain", std::move(message));
}

// LDH, hyphen and length rules on a label in A-label form. `typed` is what the person wrote
// (for the message when it differs, i.e. a U-label).
std::optional<core::Error> check_a_label(const std::string& a, std::string_view typed) {
  const std::string name =
      "label '" + shown(typed) + "'" + (a == typed ? "" : " (A-label '" + shown(a) + "')");
  for (unsigned char c : a) {
    if (!is_ldh(c)) {
      std::string ch =
          c == '.' ? "a character that maps to '.'"
                   : "'" + shown(std::string_view(reinterpret_cast<const char*>(&c), 1)) + "'";
      return bad(name + " contains " + ch +
                 ": only letters, digits and '-' are allowed in a host name (LDH, RFC 1123)");
    }
  }
  if (a.front() == '-') return bad(name + " starts with '-' (RFC 1123, RFC 5891)");
  if (a.back() == '-') return bad(name + " ends with '-' (RFC 1123, RFC 5891)");
  if (a.size() > kMaxLabelOctets)
    return bad(name + " is " + std::to_string(a.size()) + " octets long; at most " +
               std::to_string(kMaxLabelOctets) + " (RFC 1035)");
  return std::nullopt;
}

// IDNA 2008 + UTS #46 (non-transitional) on one label: U-label -> A-label, or an xn-- /
// "ab--" label checked. libidn2 does not apply the LDH rule to ASCII, check_a_label does.
core::Result<std::string> idna_label(const std::string& label) {
  char* out = nullptr;
  int rc = idn2_to_ascii_8z(label.c_str(), &out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
  std::unique_ptr<char, FreeDeleter> hold(out);
  if (rc != IDN2_OK || out == nullptr) {
    const char* why = idn2_strerror(rc);
    if (rc == IDN2_ENCODING_ERROR) return bad("label '" + shown(label) + "' is not valid UTF-8");
    if (rc == IDN2_TOO_BIG_LABEL || rc == IDN2_TOO_BIG_DOMAIN || rc == IDN2_PUNYCODE_BIG_OUTPUT ||
        rc == IDN2_PUNYCODE_OVERFLOW)
      return bad("label '" + shown(label) + "' is longer than " + std::to_string(kMaxLabelOctets) +
                 " octets in its A-label form (RFC 1035)");
    return bad("label '" + shown(label) + "' is not a valid internationalised label (IDNA 2008, " +
               "UTS #46): " + (why != nullptr ? why : "rejected"));
  }
  std::string a(out);
  for (char& c : a)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return a;
}

}  // namespace

core::Result<DomainName> parse_domain_name(std::string_view text) {
  std::string s(text);
  for (std::string_view dot : kDotLikes) {
    for (std::size_t p = s.find(dot); p != std::string::npos; p = s.find(dot, p + 1))
      s.replace(p, dot.size(), ".");
  }
  if (s.empty()) return bad("the name is empty");
  // libidn2 reads C strings: a NUL (or any control byte) must not cut a label short.
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7F)
      return bad("the name contains the control character '" +
                 shown(std::string_view(reinterpret_cast<const char*>(&c), 1)) + "'");
  }
  if (s.size() > 1 && s.back() == '.') s.pop_back();  // the root label
  if (s == ".") return bad("the root zone '.' is not a domain to check");
  std::vector<std::string> labels;
  for (std::size_t start = 0;;) {
    std::size_t dot = s.find('.', start);
    labels.push_back(s.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  DomainName out;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const std::string& typed = labels[i];
    if (typed.empty())
      return bad(i == 0 ? std::string("the name starts with '.' (an empty label)")
                        : "empty label after '" + shown(labels[i - 1]) + ".' (two dots in a row)");
    std::string a = typed;
    if (is_ascii(typed)) {
      for (char& c : a)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (auto e = check_a_label(a, typed)) return *e;
      // Only "xn--" (A-labels) may have "--" in positions 3-4 (RFC 5891 §4.2.3.1); libidn2
      // checks both that and the Punycode of an A-label.
      if (a.size() >= 4 && a[2] == '-' && a[3] == '-') {
        auto checked = idna_label(a);
        if (!checked) return checked.error();
      }
    } else {
      auto converted = idna_label(typed);
      if (!converted) return converted.error();
      a = std::move(converted.value());
      if (a.empty()) return bad("label '" + shown(typed) + "' maps to nothing (UTS #46)");
      if (auto e = check_a_label(a, typed)) return *e;
    }
    if (i > 0) out.ascii += '.';
    out.ascii += a;
  }
  if (out.ascii.size() > kMaxNameOctets)
    return bad("the name is " + std::to_string(out.ascii.size()) +
               " octets long in its A-label form; at most " + std::to_string(kMaxNameOctets) +
               " (RFC 1035)");
  // On the A-label form: UTS #46 may map a typed label to digits (U+FE0E maps to nothing).
  const std::string last = out.ascii.substr(out.ascii.rfind('.') + 1);
  if (last.find_first_not_of("0123456789") == std::string::npos)
    return bad("the last label '" + shown(last) +
               "' is all digits: that is an IP address, not a domain name");
  out.unicode = unicode_form(out.ascii);
  return out;
}

std::string unicode_form(std::string_view ascii) {
  std::string out;
  std::size_t start = 0;
  while (start <= ascii.size()) {
    std::size_t dot = ascii.find('.', start);
    std::string_view label =
        ascii.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    std::string text(label);
    if (label.size() > 4 && (label.substr(0, 4) == "xn--" || label.substr(0, 4) == "XN--")) {
      // idn2_to_unicode decodes any Punycode; keep the U-label only when it is valid IDNA
      // 2008 and converts back to this very label.
      char* u = nullptr;
      int rc = idn2_to_unicode_8z8z(text.c_str(), &u, 0);
      std::unique_ptr<char, FreeDeleter> hold(u);
      if (rc == IDN2_OK && u != nullptr) {
        std::string decoded(u);
        auto back = idna_label(decoded);
        std::string lower = text;
        for (char& c : lower)
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (back && back.value() == lower) text = std::move(decoded);
      }
    }
    if (start != 0) out += '.';
    out += text;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

}  // namespace bannin::probe::domain
