#include <gtest/gtest.h>

#include <bannin/model/event.h>
#include <bannin/ruleset/captures.h>

namespace bannin::ruleset {
namespace {

using model::Field;

class CapturesTest : public ::testing::Test {
 protected:
  model::Event ev_;
  void line(std::string_view message) {
    ev_.reset();
    ev_.set_kind(model::EventKind::LogLine);
    ev_.set_string(Field::Message, message);
  }
};

TEST_F(CapturesTest, FieldNamesAndFail2banNames) {
  auto caps = compile_captures(
      R"x((message ~ "Failed \\S+ for (?P<user>\\S+) from (?P<src_ip>\\S+)"
          or message ~ "auth fail (?:(?P<ip4>[0-9.]+)|(?P<ip6>[0-9a-f:]+)|(?P<dns>[a-z.]+)) (?:user=(?P<user>\\S+))?(?:alt=(?P<alt_user>\\S+))?")
         and message !~ "(?P<src_ip>ignored)")x");
  ASSERT_NE(caps, nullptr);
  EXPECT_EQ(caps->size(), 2u);  // the negated regex captures nothing

  line("Failed password for root from 203.0.113.7 port 22");
  EXPECT_EQ(caps->apply(ev_), Captures::Outcome::Filled);
  ASSERT_NE(ev_.get(Field::SrcIp), nullptr);
  EXPECT_EQ(ev_.get(Field::SrcIp)->ip.to_string(), "203.0.113.7");
  EXPECT_EQ(ev_.str(Field::User), "root");

  line("auth fail 2001:db8::1 alt=bob");
  EXPECT_EQ(caps->apply(ev_), Captures::Outcome::Filled);
  ASSERT_NE(ev_.get(Field::SrcIp), nullptr);
  EXPECT_EQ(ev_.get(Field::SrcIp)->ip.to_string(), "2001:db8::1");
  EXPECT_EQ(ev_.str(Field::User), "bob");  // alt_user when user took no part

  line("auth fail mail.example.net user=carol alt=bob");
  EXPECT_EQ(caps->apply(ev_), Captures::Outcome::Filled);
  EXPECT_EQ(ev_.get(Field::SrcIp), nullptr);  // a name is not an address
  EXPECT_EQ(ev_.str(Field::SrcHost), "mail.example.net");
  EXPECT_EQ(ev_.str(Field::User), "carol");

  line("Failed password for root from not-an-ip port 22");
  EXPECT_EQ(caps->apply(ev_), Captures::Outcome::Filled);
  EXPECT_EQ(ev_.get(Field::SrcIp), nullptr);

  line("nothing to see");
  EXPECT_EQ(caps->apply(ev_), Captures::Outcome::NoMatch);
  EXPECT_EQ(ev_.get(Field::SrcIp), nullptr);
}

TEST_F(CapturesTest, ExistingFieldsAreKept) {
  auto caps = compile_captures(R"x(message ~ "from (?P<src_ip>\\S+)")x");
  ASSERT_NE(caps, nullptr);
  line("from 198.51.100.1");
  ev_.set_ip(Field::SrcIp, *core::IpAddress::parse("192.0.2.9"));
  EXPECT_EQ(caps->apply(ev_), Captures::Outcome::Filled);
  EXPECT_EQ(ev_.get(Field::SrcIp)->ip.to_string(), "192.0.2.9");
}

TEST_F(CapturesTest, NoFailureGroupsAreNotCounted) {
  auto caps = compile_captures(
      R"x(message ~ "^(?:(?P<nofail>Accepted)|Failed) \\S+ from (?P<ip4>[0-9.]+)")x");
  ASSERT_NE(caps, nullptr);
  line("Accepted publickey from 192.0.2.1");
  EXPECT_EQ(caps->apply(ev_), Captures::Outcome::NotFailure);
  line("Failed password from 192.0.2.1");
  EXPECT_EQ(caps->apply(ev_), Captures::Outcome::Filled);
  EXPECT_EQ(ev_.get(Field::SrcIp)->ip.to_string(), "192.0.2.1");
}

TEST_F(CapturesTest, NoNamedGroupsNoCaptures) {
  EXPECT_EQ(compile_captures(R"x(message ~ "Failed (\\S+)" and status == 404)x"), nullptr);
  EXPECT_EQ(compile_captures(R"x(not (message ~ "(?P<src_ip>x)"))x"), nullptr);
  EXPECT_EQ(compile_captures("path contains \"x\""), nullptr);
  EXPECT_EQ(compile_captures("(((("), nullptr);  // does not parse: none
}

}  // namespace
}  // namespace bannin::ruleset
