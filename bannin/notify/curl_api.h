// libcurl for the mail and webhook channels, opened with dlopen when the first notice is
// sent (docs/decisions/2026-11-25-load-libcurl-on-demand.md): `bannin parse` and friends do
// not pay for its TLS stack at start-up.
#pragma once

#define CURL_DISABLE_TYPECHECK
#include <string>

#include <curl/curl.h>

namespace bannin::notify {

struct CurlApi {
  CURL* (*easy_init)() = nullptr;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
  CURLcode (*easy_perform)(CURL*) = nullptr;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
  const char* (*easy_strerror)(CURLcode) = nullptr;
  void (*easy_cleanup)(CURL*) = nullptr;
  curl_slist* (*slist_append)(curl_slist*, const char*) = nullptr;
  void (*slist_free_all)(curl_slist*) = nullptr;
  std::string error;  ///< why libcurl cannot be used; empty when it can
};

/// Loaded once (thread-safe); check `error` before use.
const CurlApi& curl_api();

}  // namespace bannin::notify
