// BANNIN_ASSERT: checks an invariant of bannin's own code (a bug if it fails), never a
// property of input. On in debug and sanitizer builds, compiled out in release builds.
// Untrusted input is handled with results and counters, never with assertions (STYLE §3).
#pragma once

#include <cstdio>
#include <cstdlib>

#if defined(BANNIN_ASSERTS) && BANNIN_ASSERTS
#define BANNIN_ASSERT(cond)                                                             \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)
#else
#define BANNIN_ASSERT(cond) ((void)0)
#endif
