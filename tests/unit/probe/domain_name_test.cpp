// Domain names as typed: U-labels converted (IDNA 2008 + UTS #46), A-labels checked, and every
// rule of RFC 1035/1123/5891 that a typo breaks refused with the label named.
#include <gtest/gtest.h>

#include <bannin/probe/domain/domain_name.h>

namespace bannin::probe::domain {
namespace {

std::string error_of(std::string_view text) {
  auto r = parse_domain_name(text);
  EXPECT_FALSE(r.has_value()) << text << " was accepted as " << (r ? r->ascii : "");
  return r ? std::string{} : r.error().message;
}

TEST(DomainName, AsciiIsLowerCasedWithoutTheTrailingDot) {
  auto r = parse_domain_name("Example.CO.JP.");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->ascii, "example.co.jp");
  EXPECT_EQ(r->unicode, "example.co.jp");
  EXPECT_FALSE(r->is_idn());
}

TEST(DomainName, JapaneseULabelsBecomeALabels) {
  auto r = parse_domain_name("例え.jp");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->ascii, "xn--r8jz45g.jp");
  EXPECT_EQ(r->unicode, "例え.jp");
  EXPECT_TRUE(r->is_idn());
  r = parse_domain_name("日本語.co.jp");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->ascii, "xn--wgv71a119e.co.jp");
}

TEST(DomainName, ALabelsAreCheckedAndShownInUnicode) {
  auto r = parse_domain_name("XN--R8JZ45G.jp");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->ascii, "xn--r8jz45g.jp");
  EXPECT_EQ(r->unicode, "例え.jp");
  EXPECT_NE(error_of("xn--abc.jp").find("xn--abc"), std::string::npos);  // bad Punycode
}

// UTS #46 mapping: what a Japanese input method produces still reaches the right name.
TEST(DomainName, FullWidthLettersAndIdeographicFullStopAreMapped) {
  auto r = parse_domain_name("ＥＸＡＭＰＬＥ。ｊｐ");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->ascii, "example.jp");
  r = parse_domain_name("例え．ｊｐ");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->ascii, "xn--r8jz45g.jp");
}

// Non-transitional processing (IDNA 2008): ß stays ß instead of becoming "ss".
TEST(DomainName, NonTransitional) {
  auto r = parse_domain_name("faß.de");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->ascii, "xn--fa-hia.de");
}

TEST(DomainName, LabelOf63OctetsIsAcceptedAnd64Refused) {
  EXPECT_TRUE(parse_domain_name(std::string(63, 'a') + ".jp").has_value());
  std::string e = error_of(std::string(64, 'a') + ".jp");
  EXPECT_NE(e.find("64 octets"), std::string::npos) << e;
  EXPECT_NE(e.find("at most 63"), std::string::npos) << e;
}

// The limit applies to the A-label: 21 kanji are 63 characters of UTF-8 but far more Punycode.
TEST(DomainName, ULabelLongerThan63OctetsAsALabelIsRefused) {
  std::string label;
  for (int i = 0; i < 30; ++i) label += "漢字";
  std::string e = error_of(label + ".jp");
  EXPECT_NE(e.find("63"), std::string::npos) << e;
}

TEST(DomainName, NameOf253OctetsIsAcceptedAnd254Refused) {
  const std::string l63(63, 'a');
  std::string n253 = l63 + "." + l63 + "." + l63 + "." + std::string(61, 'b');
  ASSERT_EQ(n253.size(), 253U);
  EXPECT_TRUE(parse_domain_name(n253).has_value());
  EXPECT_TRUE(parse_domain_name(n253 + ".").has_value());  // the root dot does not count
  std::string n254 = l63 + "." + l63 + "." + l63 + "." + std::string(62, 'b');
  std::string e = error_of(n254);
  EXPECT_NE(e.find("254 octets"), std::string::npos) << e;
}

TEST(DomainName, HyphensAtTheEdgesOfALabelAreRefused) {
  EXPECT_NE(error_of("-bad.jp").find("starts with '-'"), std::string::npos);
  EXPECT_NE(error_of("bad-.jp").find("ends with '-'"), std::string::npos);
  EXPECT_NE(error_of("shop.-co.jp").find("'-co'"), std::string::npos);
  EXPECT_TRUE(parse_domain_name("my-shop.jp").has_value());
}

TEST(DomainName, HyphensInPositionsThreeAndFourOnlyForALabels) {
  EXPECT_FALSE(parse_domain_name("ab--cd.jp").has_value());
}

TEST(DomainName, LdhRuleNamesTheCharacter) {
  EXPECT_NE(error_of("bad domain!.jp").find("' '"), std::string::npos);
  EXPECT_NE(error_of("a_b.jp").find("'_'"), std::string::npos);
  EXPECT_NE(error_of("tab\there.jp").find("\\x09"), std::string::npos);
}

// libidn2 reads C strings: a NUL inside a label must not shorten it (found by the fuzzer:
// "3\0ｊ" was accepted as "3").
TEST(DomainName, NulAndControlBytesAreRefused) {
  using namespace std::string_literals;
  EXPECT_NE(error_of("3\0ｊ"s).find("\\x00"), std::string::npos);
  EXPECT_NE(error_of("shop\0.例え.jp"s).find("control character"), std::string::npos);
}

TEST(DomainName, EmptyLabelsAreRefused) {
  EXPECT_NE(error_of("bad..name").find("two dots"), std::string::npos);
  EXPECT_NE(error_of(".jp").find("starts with '.'"), std::string::npos);
  EXPECT_FALSE(parse_domain_name("").has_value());
  EXPECT_FALSE(parse_domain_name(".").has_value());
}

TEST(DomainName, InvalidUtf8AndDisallowedCodePointsAreRefused) {
  EXPECT_FALSE(parse_domain_name("\xff\xfe.jp").has_value());
  EXPECT_FALSE(parse_domain_name("☃\xe2\x80\x8d.jp").has_value());  // ZWJ outside its context
}

TEST(DomainName, AnIpAddressIsNoDomain) {
  EXPECT_NE(error_of("203.0.113.10").find("IP address"), std::string::npos);
  EXPECT_TRUE(parse_domain_name("1password.com").has_value());
}

TEST(DomainName, LongLabelsAreShortenedInMessages) {
  std::string e = error_of(std::string(300, 'a') + ".jp");
  EXPECT_LT(e.size(), 200U) << e;
}

TEST(DomainName, UnicodeFormKeepsLabelsThatDoNotDecode) {
  EXPECT_EQ(unicode_form("xn--r8jz45g.co.jp"), "例え.co.jp");
  EXPECT_EQ(unicode_form("xn--abc.jp"), "xn--abc.jp");
  EXPECT_EQ(unicode_form("example.jp"), "example.jp");
}

}  // namespace
}  // namespace bannin::probe::domain
