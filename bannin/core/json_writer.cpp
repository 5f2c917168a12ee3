#include <array>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <cmath>
#include <cstdio>
#include <cstring>

#include <bannin/core/json_writer.h>

namespace bannin::core {
namespace {

// 0 = copy as is, 1 = needs escaping (control, quote, backslash), 2 = non-ASCII (validate).
constexpr std::array<std::uint8_t, 256> make_class_table() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 1;
  t['"'] = 1;
  t['\\'] = 1;
  t[0x7f] = 1;
  for (int c = 0x80; c < 0x100; ++c) t[c] = 2;
  return t;
}
constexpr auto kClass = make_class_table();

// Length of the valid UTF-8 sequence starting at p (1..4), or 0 if invalid (RFC 3629:
// no overlongs, no surrogates, nothing above U+10FFFF).
std::size_t utf8_len(const unsigned char* p, const unsigned char* end) noexcept {
  unsigned c = p[0];
  std::size_t avail = static_cast<std::size_t>(end - p);
  auto cont = [&](std::size_t i) { return i < avail && (p[i] & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c == 0xE0) return avail > 1 && p[1] >= 0xA0 && p[1] <= 0xBF && cont(2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xED) return avail > 1 && p[1] >= 0x80 && p[1] <= 0x9F && cont(2) ? 3 : 0;
  if (c == 0xF0) return avail > 1 && p[1] >= 0x90 && p[1] <= 0xBF && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xF4) return avail > 1 && p[1] >= 0x80 && p[1] <= 0x8F && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

// First byte in [p, end) that JSON output cannot copy as is: control (< 0x20), '"', '\\',
// DEL, or non-ASCII (validated separately). With SSE2, a signed compare "< 0x20" catches both
// the controls and every byte >= 0x80 at once.
const char* find_special(const char* p, const char* end) noexcept {
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i del = _mm_set1_epi8(0x7f);
  while (end - p >= 16) {
    __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(c, space), _mm_cmpeq_epi8(c, quote)),
                             _mm_or_si128(_mm_cmpeq_epi8(c, backslash), _mm_cmpeq_epi8(c, del)));
    int mask = _mm_movemask_epi8(m);
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  while (p < end && kClass[static_cast<unsigned char>(*p)] == 0) ++p;
  return p;
}

}  // namespace

std::size_t json_append_string(std::string& out, std::string_view s) {
  std::size_t replaced = 0;
  out.push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    // Fast path: a run of plain printable ASCII, found 16 bytes at a time.
    const auto* run = p;
    p = reinterpret_cast<const unsigned char*>(
        find_special(reinterpret_cast<const char*>(p), reinterpret_cast<const char*>(end)));
    if (p != run) out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
    if (p >= end) break;
    unsigned char c = *p;
    if (kClass[c] == 1) {
      switch (c) {
        case '"':
          out.append("\\\"", 2);
          break;
        case '\\':
          out.append("\\\\", 2);
          break;
        case '\n':
          out.append("\\n", 2);
          break;
        case '\r':
          out.append("\\r", 2);
          break;
        case '\t':
          out.append("\\t", 2);
          break;
        default: {
          static constexpr char kHex[] = "0123456789abcdef";
          char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
          out.append(esc, 6);
        }
      }
      ++p;
      continue;
    }
    std::size_t n = utf8_len(p, end);
    if (n == 0) {
      out.append("\xEF\xBF\xBD", 3);  // U+FFFD REPLACEMENT CHARACTER
      ++replaced;
      ++p;
    } else {
      out.append(reinterpret_cast<const char*>(p), n);
      p += n;
    }
  }
  out.push_back('"');
  return replaced;
}

std::size_t utf8_append_replacing_invalid(std::string& out, std::string_view s) {
  std::size_t replaced = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    if (*p < 0x80) {
      out.push_back(static_cast<char>(*p++));
      continue;
    }
    std::size_t n = utf8_len(p, end);
    if (n == 0) {
      out.append("\xEF\xBF\xBD", 3);
      ++replaced;
      ++p;
    } else {
      out.append(reinterpret_cast<const char*>(p), n);
      p += n;
    }
  }
  return replaced;
}

void json_append_int(std::string& out, std::int64_t v) {
  char buf[24];
  char* e = buf + sizeof buf;
  char* p = e;
  std::uint64_t u = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  do {
    *--p = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (v < 0) *--p = '-';
  out.append(p, static_cast<std::size_t>(e - p));
}

void json_append_number(std::string& out, double v) {
  if (std::isnan(v) || std::isinf(v)) {
    out += "null";
    return;
  }
  char buf[40];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.6g", v);
  }
  out += buf;
}

}  // namespace bannin::core
