// Fuzz target for the uid -> account map's passwd reader (bannin/enrich/uid_accounts.h): any
// bytes parse without a crash or a throw; every account it keeps has a uid of at least
// min_uid and a name without blanks, ':' or '/'; a uid it kept is found again.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <bannin/enrich/uid_accounts.h>

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (std::int64_t min_uid : {0, 1000}) {
    auto m = bannin::enrich::UidAccounts::parse(text, min_uid);
    check(m.min_uid() == min_uid, "min_uid");
    check(m.account(min_uid - 1).empty() || min_uid == 0, "a system uid got an account");
    for (std::int64_t uid : {0, 1, 999, 1000, 1003, 65534}) {
      std::string_view a = m.account(uid);
      if (a.empty()) continue;
      check(uid >= min_uid, "account below min_uid");
      for (char c : a) check(c != ':' && c != '/' && static_cast<unsigned char>(c) > ' ', "name");
    }
  }
  return 0;
}
