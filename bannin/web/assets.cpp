// Lookup in the generated asset table (web_assets_gen.cpp, built from web/ by CMake).
#include <bannin/web/assets.h>

namespace bannin::web {

const Asset* find_asset(std::string_view path) noexcept {
  if (path == "/index.html") path = "/";
  for (const Asset& a : assets()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

}  // namespace bannin::web
