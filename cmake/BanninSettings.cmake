# Compiler settings shared by every bannin target, carried by one INTERFACE target
# (bannin::settings) instead of global CMAKE_CXX_FLAGS, so a target that does not link it
# (a third-party piece) is not affected. Model: osquery's cxx_settings.
add_library(bannin_settings INTERFACE)
add_library(bannin::settings ALIAS bannin_settings)

target_compile_features(bannin_settings INTERFACE cxx_std_20)
target_compile_options(bannin_settings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual
  -Wimplicit-fallthrough -Wformat=2
  # GCC 12 at -O3 reports impossible overlaps in std::string concatenation (GCC bug 105329,
  # fixed in 13); off for GCC so -Werror does not fail on correct code.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>
  $<$<BOOL:${BANNIN_WERROR}>:-Werror>
  # Hardening, as Falco does: stack protector, FORTIFY in optimised builds.
  -fstack-protector-strong
  $<$<NOT:$<CONFIG:Debug>>:-D_FORTIFY_SOURCE=2>)
target_link_options(bannin_settings INTERFACE -Wl,-z,relro,-z,now)
target_include_directories(bannin_settings INTERFACE
  ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/generated)
# BANNIN_ASSERT is on in debug and sanitizer builds.
if(CMAKE_BUILD_TYPE STREQUAL "Debug" OR BANNIN_SANITIZERS)
  target_compile_definitions(bannin_settings INTERFACE BANNIN_ASSERTS=1)
endif()

if(BANNIN_SANITIZERS)
  set(_san "-fsanitize=${BANNIN_SANITIZERS}")
  target_compile_options(bannin_settings INTERFACE ${_san} -fno-omit-frame-pointer
    -fno-sanitize-recover=all)
  target_link_options(bannin_settings INTERFACE ${_san})
  # Executables are linked position-dependent in sanitizer builds: an ASan+UBSan PIE carries
  # ~2.5 million relative relocations (sanitizer metadata) that the loader applies at every
  # start, 0.3 s and 60 MB per process; the test suite starts thousands of processes.
  # Measured in docs/decisions/2026-12-07-ci-time.md.
  target_link_options(bannin_settings INTERFACE -no-pie)
endif()

if(BANNIN_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "BANNIN_BUILD_FUZZERS needs clang (use the 'fuzz' preset)")
  endif()
  target_compile_options(bannin_settings INTERFACE -fsanitize=fuzzer-no-link)
endif()

# bannin_add_library(stage SOURCES... DEPS...): one static library per stage,
# bannin_<stage> with alias bannin::<stage>.
function(bannin_add_library stage)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(bannin_${stage} STATIC ${ARG_SOURCES})
  add_library(bannin::${stage} ALIAS bannin_${stage})
  target_link_libraries(bannin_${stage} PUBLIC bannin::settings ${ARG_DEPS}
    PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()
