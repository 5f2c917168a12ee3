// docs/check.md promises an explanation (what it means, who can fix it, what to do) for
// every result of severity warning or worse. The states here are those of its tables, plus
// the states the code produces that the tables group under "timeout / error".
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <bannin/probe/domain/explain.h>

namespace bannin::probe::domain {
namespace {

TEST(Explain, EveryWarningOrWorseStateIsExplainedInBothLanguages) {
  const std::vector<std::pair<std::string, std::string>> states = {
      {"delegation", "delegation_removed"},
      {"delegation", "not_delegated"},
      {"delegation", "parking_ns"},
      {"delegation", "wrong_parent"},
      {"delegation", "parent_error"},
      {"delegation", "timeout"},
      {"delegation", "error"},
      {"child", "lame"},
      {"child", "lame_timeout"},
      {"child", "bad_answer"},
      {"child", "lame_delegation"},
      {"child", "ns_drift"},
      {"child", "error"},
      {"resolver", "nxdomain"},
      {"resolver", "filtered"},
      {"resolver", "servfail"},
      {"resolver", "refused"},
      {"resolver", "disagreement"},
      {"resolver", "timeout"},
      {"resolver", "error"},
      {"rdap", "server_hold"},
      {"rdap", "client_hold"},
      {"rdap", "inactive"},
      {"rdap", "redemption_period"},
      {"rdap", "pending_delete"},
      {"rdap", "pending_restore"},
      {"rdap", "expired"},
      {"rdap", "expires_soon"},
      {"rdap", "parking_ns"},
      {"rdap", "not_registered"},
      {"rdap", "rate_limited"},
      {"rdap", "bad_answer"},
      {"rdap", "error"},
      {"rdap", "timeout"},
      {"whois", "server_hold"},
      {"whois", "suspended"},
      {"whois", "deletion_requested"},
      {"whois", "unknown_status"},
      {"whois", "expired"},
      {"whois", "expires_soon"},
      {"whois", "not_registered"},
      {"whois", "bad_answer"},
      {"whois", "error"},
      {"whois", "timeout"},
      {"dnsbl", "listed"},
      {"dnsbl", "blocked"},
      {"dnsbl", "canary_failed"},
      {"dnsbl", "unknown_code"},
      {"dnsbl", "timeout"},
      {"dnsbl", "error"},
      {"safebrowsing", "listed"},
      {"safebrowsing", "rate_limited"},
      {"safebrowsing", "deferred"},
      {"safebrowsing", "error"},
      {"safebrowsing", "timeout"},
      {"virustotal", "malicious"},
      {"virustotal", "suspicious"},
      {"virustotal", "rate_limited"},
      {"virustotal", "deferred"},
      {"virustotal", "error"},
      {"virustotal", "timeout"},
  };
  for (const auto& [check, state] : states) {
    for (Lang lang : {Lang::En, Lang::Ja}) {
      auto e = explain(check, state, lang);
      ASSERT_TRUE(e.has_value()) << check << " " << state;
      EXPECT_FALSE(e->meaning.empty()) << check << " " << state;
      EXPECT_FALSE(e->who.empty()) << check << " " << state;
      EXPECT_FALSE(e->next.empty()) << check << " " << state;
    }
  }
}

TEST(Explain, TheParentServersNotFoundErrorSaysWhatToDo) {
  auto en = explain("delegation", "error", Lang::En);
  ASSERT_TRUE(en.has_value());
  EXPECT_NE(std::string(en->next).find("--parent-servers"), std::string::npos);
  auto ja = explain("delegation", "error", Lang::Ja);
  ASSERT_TRUE(ja.has_value());
  EXPECT_NE(std::string(ja->meaning).find("親ゾーン"), std::string::npos);
}

}  // namespace
}  // namespace bannin::probe::domain
