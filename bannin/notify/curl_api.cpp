#include <type_traits>

#include <dlfcn.h>

#include <bannin/notify/curl_api.h>

namespace bannin::notify {

const CurlApi& curl_api() {
  static const CurlApi api = [] {
    CurlApi a;
    void* h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) {
      const char* e = dlerror();
      a.error = std::string("libcurl not available: ") + (e != nullptr ? e : "dlopen failed");
      return a;
    }
    auto sym = [&](auto& fn, const char* name) {
      // POSIX guarantees a data pointer from dlsym converts to a function pointer.
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(h, name));
      if (fn == nullptr && a.error.empty()) a.error = std::string("libcurl lacks ") + name;
    };
    CURLcode (*global_init)(long) = nullptr;
    sym(global_init, "curl_global_init");
    sym(a.easy_init, "curl_easy_init");
    sym(a.easy_setopt, "curl_easy_setopt");
    sym(a.easy_perform, "curl_easy_perform");
    sym(a.easy_getinfo, "curl_easy_getinfo");
    sym(a.easy_strerror, "curl_easy_strerror");
    sym(a.easy_cleanup, "curl_easy_cleanup");
    sym(a.slist_append, "curl_slist_append");
    sym(a.slist_free_all, "curl_slist_free_all");
    if (a.error.empty() && global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      a.error = "curl_global_init failed";
    }
    return a;
  }();
  return api;
}

}  // namespace bannin::notify
