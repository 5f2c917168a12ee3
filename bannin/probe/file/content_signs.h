// Content signs: what a file's bytes and name say about it, as a pure function (stage: probe,
// STYLE §8 "parse apart from I/O"). The file scanner (file_scanner.h) reads the bytes and
// asks these functions; tests and the fuzz target call them on memory.
//
// The signs are the ones a shared host's support staff look for by hand (INCIDENTS S5): PHP
// or other scripts where only uploads belong (wp-content/uploads, cache directories), the
// decoder chains planted code hides behind (`eval(gzinflate(base64_decode(…)))`), long base64
// blobs and text with the entropy of compressed data. None of them alone proves malice (a
// plugin may ship a base64 font), so each is a separate reason code on the event and rules
// decide what to do with which.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace bannin::probe::file {

/// Thresholds of the content signs (config `files.*`; defaults measured on WordPress 6 and
/// its 20 most installed plugins: the longest base64 run in their PHP is 3,1xx bytes of an
/// embedded font in one plugin, so the default is above it).
struct SignThresholds {
  std::size_t base64_min = 4096;  ///< a base64 run this long in a script
  double entropy_min = 5.9;       ///< bits per byte, over a script of at least entropy_min_bytes
  std::size_t entropy_min_bytes = 2048;
};

/// What the bytes say. Pure; reads at most the bytes given.
struct ContentSigns {
  std::size_t size = 0;            ///< bytes looked at
  std::size_t longest_base64 = 0;  ///< longest run of [A-Za-z0-9+/=] (at least 16 long)
  std::string decoder_chain;       ///< e.g. "eval(gzinflate(" as found (lower-case), "" = none
  double entropy = 0;              ///< Shannon entropy of the bytes, bits per byte (0..8)
  bool elf = false;                ///< starts with the ELF magic (a Linux executable)
  bool php_open_tag = false;       ///< contains "<?php" (any case) or "<?="
};

ContentSigns content_signs(std::string_view bytes);

/// Shannon entropy in bits per byte (0 for an empty input).
double shannon_entropy(std::string_view bytes);

/// A name the web server would run as code: .php .phtml .php3-.php8 .phar .pht .pl .py .cgi
/// .sh .asp .aspx .jsp (any case), also with a second extension after it ("x.php.jpg" is run
/// by a mis-configured Apache AddHandler, a classic upload trick).
bool is_script_name(std::string_view path);

/// True when a path segment sequence of `path` matches one of `upload_dirs`: each entry is a
/// relative directory ("wp-content/uploads", "cache") matched at a segment boundary anywhere
/// in the path, or an absolute prefix ("/tmp") matched at the start.
bool in_upload_dir(std::string_view path, const std::vector<std::string>& upload_dirs);

/// The reason codes the signs give for a file (path, signs, and whether it lies in an upload
/// directory), in a fixed order: script_in_upload_dir, executable_in_upload_dir,
/// decoder_chain, base64_blob, high_entropy, php_in_image. YARA matches are added by
/// the scanner as "yara:<rule>".
std::vector<std::string> sign_reasons(std::string_view path, const ContentSigns& s, bool upload,
                                      const SignThresholds& t);

}  // namespace bannin::probe::file
