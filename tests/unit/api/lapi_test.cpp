// api::LapiService (the CrowdSec bouncer stream) on a real SQLite store in a temp dir: what
// startup sends (active ip/prefix decisions only), what a later poll sends after adds, revokes
// and expiries (deleted, and deleted+new while something still covers the address), the
// cursor kept across a reopened store, filters, unknown keys, live mode, and Go durations.
#include <filesystem>
#include <mutex>
#include <string>

#include <gtest/gtest.h>

#include <bannin/api/json_value.h>
#include <bannin/api/lapi.h>
#include <bannin/store/store.h>

namespace bannin::api {
namespace {

constexpr core::TimeNs kSec = core::kNsPerSec;
constexpr core::TimeNs kT0 = 1'800'000'000 * kSec;
constexpr const char* kKey = "key-0123456789abcdef";

class Lapi : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("bannin_lapi_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    open();
    store::BouncerRow b;
    b.name = "fw";
    b.key_hash = key_hash(kKey);
    b.created = kT0;
    ASSERT_TRUE(store_->add_bouncer(b));
  }
  void TearDown() override {
    service_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void open() {
    service_.reset();
    store_.reset();
    auto s = store::Store::open((dir_ / "bannin.db").string());
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    service_ = std::make_unique<LapiService>(*store_, mu_, [this] { return now_; });
  }
  std::int64_t decide(const std::string& scope, const std::string& target, std::int64_t ttl_s,
                      const std::string& state = "active") {
    store::DecisionRow d;
    d.ts = now_;
    d.rule = "auth.bruteforce.per_source";
    d.action = "deny";
    d.scope = scope;
    d.target_json = "{\"" + scope + "\":\"" + target + "\"}";
    d.ttl_s = ttl_s;
    d.reason = "test";
    d.state = state;
    auto id = store_->add_decision(d);
    EXPECT_TRUE(id) << id.error().message;
    return id ? *id : 0;
  }
  /// The values of `new` and `deleted`, in order, as "n:VALUE" / "d:VALUE".
  std::vector<std::string> poll(bool startup, std::map<std::string, std::string> query = {}) {
    StreamRequest r;
    r.api_key = kKey;
    r.startup = startup;
    r.filter = parse_stream_filter(query);
    auto body = service_->stream(r);
    EXPECT_TRUE(body) << body.error().message;
    std::vector<std::string> out;
    if (!body) return out;
    auto doc = parse_json(*body);
    EXPECT_TRUE(doc) << *body;
    for (const char* part : {"deleted", "new"}) {
      const JsonValue* list = doc->find(part);
      EXPECT_TRUE(list && list->is_array()) << *body;
      if (list == nullptr) continue;
      for (const auto& d : list->items()) {
        for (const char* field :
             {"id", "origin", "scenario", "scope", "type", "value", "duration"}) {
          EXPECT_TRUE(d.find(field)) << field << " missing in " << *body;
        }
        out.push_back(std::string(part[0] == 'n' ? "n:" : "d:") + *d.find("value")->string());
      }
    }
    return out;
  }

  std::filesystem::path dir_;
  std::mutex mu_;
  core::TimeNs now_ = kT0;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<LapiService> service_;
};

using V = std::vector<std::string>;

TEST_F(Lapi, StartupSendsWhatIsInForceOnly) {
  decide("ip", "192.0.2.1", 3600);
  decide("prefix", "198.51.100.0/24", 3600);
  decide("ip", "192.0.2.2", 3600, "proposed");  // observe mode: not enforced
  decide("ip", "192.0.2.3", 1);                 // ends before now_ below
  decide("vhost", "shop.example", 3600);        // not a bouncer's scope
  now_ += 10 * kSec;
  EXPECT_EQ(poll(true), (V{"n:192.0.2.1", "n:198.51.100.0/24"}));
  // Nothing changed since: an empty answer.
  EXPECT_EQ(poll(false), V{});
}

TEST_F(Lapi, PollsSendChangesOnceWithDeletedBeforeNew) {
  const auto a = decide("ip", "192.0.2.1", 3600);
  EXPECT_EQ(poll(true), V{"n:192.0.2.1"});
  decide("ip", "192.0.2.9", 600);
  EXPECT_EQ(poll(false), (V{"d:192.0.2.9", "n:192.0.2.9"}));
  EXPECT_EQ(poll(false), V{});
  ASSERT_TRUE(store_->set_state(a, "revoked", now_, "test"));
  EXPECT_EQ(poll(false), V{"d:192.0.2.1"});
  // Two decisions on one address: ending one keeps the address, with the other's duration.
  const auto b = decide("ip", "203.0.113.5", 60);
  decide("ip", "203.0.113.5", 7200);
  poll(false);
  ASSERT_TRUE(store_->set_state(b, "expired", now_, "ttl"));
  EXPECT_EQ(poll(false), (V{"d:203.0.113.5", "n:203.0.113.5"}));
}

TEST_F(Lapi, CursorSurvivesAReopenedStore) {
  decide("ip", "192.0.2.1", 3600);
  EXPECT_EQ(poll(true), V{"n:192.0.2.1"});
  const auto c = decide("ip", "192.0.2.7", 3600);
  ASSERT_TRUE(store_->set_state(c, "revoked", now_, "test"));
  decide("ip", "192.0.2.8", 3600);
  open();  // the daemon restarts; the bouncer just polls on
  EXPECT_EQ(poll(false), (V{"d:192.0.2.7", "d:192.0.2.8", "n:192.0.2.8"}));
  auto rows = store_->bouncers();
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].last_pull, now_);
  EXPECT_GT((*rows)[0].cursor, 0);
}

TEST_F(Lapi, FiltersAsCrowdSecDoes) {
  decide("ip", "192.0.2.1", 3600);
  decide("prefix", "198.51.100.0/24", 3600);
  EXPECT_EQ(poll(true, {{"scopes", "IP"}}), V{"n:192.0.2.1"});
  EXPECT_EQ(poll(true, {{"scopes", "range"}}), V{"n:198.51.100.0/24"});
  EXPECT_EQ(poll(true, {{"origins", "crowdsec,cscli"}}), V{});
  EXPECT_EQ(poll(true, {{"origins", "bannin"}}).size(), 2u);
  EXPECT_EQ(poll(true, {{"scenarios_containing", "BRUTEFORCE"}}).size(), 2u);
  EXPECT_EQ(poll(true, {{"scenarios_not_containing", "bruteforce"}}), V{});
}

TEST_F(Lapi, UnknownKeyIsForbidden) {
  StreamRequest r;
  r.api_key = "not-a-key-0123456789";
  auto body = service_->stream(r);
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code, "forbidden");
  r.api_key.clear();
  EXPECT_FALSE(service_->stream(r));
  EXPECT_EQ(service_->counters().refused, 2u);
  ASSERT_TRUE(store_->delete_bouncer("fw"));
  r.api_key = kKey;
  EXPECT_FALSE(service_->stream(r));
}

TEST_F(Lapi, LiveModeCoversPrefixes) {
  decide("prefix", "198.51.100.0/24", 3600);
  decide("ip", "192.0.2.1", 3600);
  auto in = service_->decisions_for(kKey, "198.51.100.7");
  ASSERT_TRUE(in);
  EXPECT_NE(in->find("\"value\":\"198.51.100.0/24\""), std::string::npos) << *in;
  auto out = service_->decisions_for(kKey, "203.0.113.1");
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, "null");
  auto bad = service_->decisions_for(kKey, "not-an-ip");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "bad_ip");
}

TEST(LapiDuration, GoSyntax) {
  EXPECT_EQ(go_duration(0), "0s");
  EXPECT_EQ(go_duration(3600 * kSec), "1h0m0s");
  EXPECT_EQ(go_duration(14398 * kSec + 120'000'000), "3h59m58.12s");
  EXPECT_EQ(go_duration(150 * kSec), "2m30s");
  EXPECT_EQ(go_duration(-kSec - 234'000'000), "-1.234s");
  EXPECT_EQ(go_duration(500'000'000), "500ms");
  EXPECT_EQ(go_duration(90 * 86400 * kSec), "2160h0m0s");  // no "d" unit
}

TEST(LapiKeys, HashAndNewKeys) {
  EXPECT_EQ(key_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto a = new_bouncer_key();
  auto b = new_bouncer_key();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
}

}  // namespace
}  // namespace bannin::api
