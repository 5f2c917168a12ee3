#include <array>
#include <cmath>

#include <bannin/probe/file/content_signs.h>

namespace bannin::probe::file {

namespace {

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_b64(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/' || c == '=';
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Case-insensitive "does `s` at `i` start with the lower-case `word`".
bool at(std::string_view s, std::size_t i, std::string_view word) {
  if (s.size() - i < word.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k) {
    if (lower(s[i + k]) != word[k]) return false;
  }
  return true;
}

// The decoders planted PHP wraps its payload in. The chain starts with eval( or assert( (both
// run a string as code) and its first call is one of these.
constexpr std::array<std::string_view, 7> kDecoders = {
    "gzinflate", "base64_decode", "gzuncompress", "str_rot13", "gzdecode", "strrev", "hex2bin"};
constexpr std::array<std::string_view, 2> kRunners = {"eval", "assert"};

// "eval ( @gzinflate (" -> "eval(gzinflate(" when `s` at `i` is such a chain, else "".
std::string chain_at(std::string_view s, std::size_t i) {
  for (std::string_view runner : kRunners) {
    if (!at(s, i, runner)) continue;
    // A word boundary before the runner: "medieval(" is not eval(.
    if (i > 0) {
      char p = lower(s[i - 1]);
      if ((p >= 'a' && p <= 'z') || (p >= '0' && p <= '9') || p == '_') return {};
    }
    std::size_t j = i + runner.size();
    while (j < s.size() && is_space(s[j])) ++j;
    if (j >= s.size() || s[j] != '(') return {};
    ++j;
    while (j < s.size() && (is_space(s[j]) || s[j] == '@')) ++j;
    for (std::string_view d : kDecoders) {
      if (!at(s, j, d)) continue;
      std::size_t k = j + d.size();
      while (k < s.size() && is_space(s[k])) ++k;
      if (k < s.size() && s[k] == '(') return std::string(runner) + "(" + std::string(d) + "(";
    }
    return {};
  }
  return {};
}

std::string_view extension_of(std::string_view name) {
  std::size_t slash = name.rfind('/');
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  return name.substr(dot + 1);
}

bool ext_is(std::string_view ext, std::string_view want) {
  return ext.size() == want.size() && at(ext, 0, want);
}

constexpr std::array<std::string_view, 17> kScriptExts = {
    "php", "phtml", "php3", "php4", "php5", "php7", "php8", "phar", "pht",
    "pl",  "py",    "cgi",  "sh",   "asp",  "aspx", "jsp",  "inc"};
constexpr std::array<std::string_view, 8> kImageExts = {"jpg", "jpeg", "png",  "gif",
                                                        "ico", "bmp",  "webp", "svg"};

}  // namespace

double shannon_entropy(std::string_view bytes) {
  if (bytes.empty()) return 0;
  std::array<std::size_t, 256> counts{};
  for (char c : bytes) ++counts[static_cast<unsigned char>(c)];
  double h = 0;
  const auto n = static_cast<double>(bytes.size());
  for (std::size_t c : counts) {
    if (c == 0) continue;
    double p = static_cast<double>(c) / n;
    h -= p * std::log2(p);
  }
  return h;
}

ContentSigns content_signs(std::string_view bytes) {
  ContentSigns s;
  s.size = bytes.size();
  s.elf = bytes.size() >= 4 && bytes.substr(0, 4) == std::string_view(
                                                         "\x7f"
                                                         "ELF",
                                                         4);
  s.entropy = shannon_entropy(bytes);
  std::size_t run = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (is_b64(static_cast<unsigned char>(c))) {
      ++run;
      if (run > s.longest_base64) s.longest_base64 = run;
    } else {
      run = 0;
    }
    const char lc = lower(c);
    if (s.decoder_chain.empty() && (lc == 'e' || lc == 'a')) s.decoder_chain = chain_at(bytes, i);
    if (!s.php_open_tag && c == '<' && i + 1 < bytes.size() && bytes[i + 1] == '?') {
      s.php_open_tag = at(bytes, i + 2, "php") || (i + 2 < bytes.size() && bytes[i + 2] == '=');
    }
  }
  if (s.longest_base64 < 16) s.longest_base64 = 0;
  return s;
}

bool is_script_name(std::string_view path) {
  std::size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  // Every extension after the first dot counts ("shell.php.jpg"): Apache's AddHandler runs
  // a file as PHP when any of its extensions is mapped.
  std::size_t dot = name.find('.', 1);
  while (dot != std::string_view::npos) {
    std::size_t next = name.find('.', dot + 1);
    std::string_view ext = name.substr(
        dot + 1, next == std::string_view::npos ? std::string_view::npos : next - dot - 1);
    for (std::string_view e : kScriptExts) {
      if (ext_is(ext, e)) return true;
    }
    dot = next;
  }
  return false;
}

bool in_upload_dir(std::string_view path, const std::vector<std::string>& upload_dirs) {
  for (const std::string& d : upload_dirs) {
    if (d.empty()) continue;
    std::string_view dir = d;
    while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
    if (dir.front() == '/') {
      if (path.size() > dir.size() && path.substr(0, dir.size()) == dir &&
          (dir.size() == 1 || path[dir.size()] == '/')) {
        return true;
      }
      continue;
    }
    // Relative: "/<dir>/" anywhere in the path.
    for (std::size_t pos = path.find(dir); pos != std::string_view::npos;
         pos = path.find(dir, pos + 1)) {
      const bool start_ok = pos > 0 && path[pos - 1] == '/';
      const std::size_t end = pos + dir.size();
      const bool end_ok = end < path.size() && path[end] == '/';
      if (start_ok && end_ok) return true;
    }
  }
  return false;
}

std::vector<std::string> sign_reasons(std::string_view path, const ContentSigns& s, bool upload,
                                      const SignThresholds& t) {
  std::vector<std::string> out;
  const bool script = is_script_name(path);
  if (upload && script) out.emplace_back("script_in_upload_dir");
  if (upload && s.elf) out.emplace_back("executable_in_upload_dir");
  if (!s.decoder_chain.empty()) out.emplace_back("decoder_chain");
  if (script && s.longest_base64 >= t.base64_min) out.emplace_back("base64_blob");
  if (script && s.size >= t.entropy_min_bytes && s.entropy >= t.entropy_min)
    out.emplace_back("high_entropy");
  if (s.php_open_tag && !script) {
    const std::string_view ext = extension_of(path);
    for (std::string_view e : kImageExts) {
      if (ext_is(ext, e)) {
        out.emplace_back("php_in_image");
        break;
      }
    }
  }
  return out;
}

}  // namespace bannin::probe::file
