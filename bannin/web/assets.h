// bannin::web: the dashboard's files, embedded in the binary at build time (stage web).
// web/ holds the sources (a small single-page app, docs/dashboard.md); CMake builds them with
// esbuild (web/build.mjs) and tools/codegen/gen_web_assets.py turns the output into a C++
// table, so the daemon serves the dashboard with no files on disk, offline. When the build
// had no Node.js (BANNIN_WITH_DASHBOARD=AUTO without node), the table holds a one-page notice
// instead (is_dashboard() false; docs/decisions/2026-12-08-dashboard.md).
//
// The table is constant data: any thread may read it at any time.
#pragma once

#include <span>
#include <string_view>

namespace bannin::web {

struct Asset {
  std::string_view path;          ///< "/" for index.html, else "/assets/NAME"
  std::string_view content_type;  ///< "text/javascript; charset=utf-8" …
  std::string_view body;          ///< the file's bytes
  std::string_view etag;          ///< strong ETag, quoted: "\"0123456789abcdef\"" (SHA-256 prefix)
};

/// Every embedded file.
std::span<const Asset> assets() noexcept;

/// The asset served at path ("/", "/index.html", "/assets/app.js"), or nullptr.
const Asset* find_asset(std::string_view path) noexcept;

/// True when the table holds the dashboard, false when it holds the "built without the
/// dashboard" notice.
bool is_dashboard() noexcept;

/// A hash over every file: which build of the dashboard this binary serves.
std::string_view build_id() noexcept;

}  // namespace bannin::web
