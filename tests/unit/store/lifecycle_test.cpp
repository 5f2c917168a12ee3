// The decision lifecycle on a real SQLite file: set_state with its history in one atomic
// call, the queries the daemon's sweep and the CLI use (in_force, due, find_in_force,
// decision), caller-chosen ids, migration 1 -> 2 of a file an older bannin wrote, and
// retention (prune) that never touches a decision in force.
#include <gtest/gtest.h>

#include <bannin/store/store.h>

#include "store_test_util.h"

namespace bannin::store {
namespace {

using testing::deny;
using testing::raw_count;
using testing::raw_sql;
using testing::temp_db;

constexpr core::TimeNs kSec = core::kNsPerSec;
constexpr core::TimeNs kDay = 86400 * kSec;

std::unique_ptr<Store> open_ok(const std::string& path, const OpenOptions& o = {}) {
  auto s = Store::open(path, o);
  EXPECT_TRUE(s) << s.error().message;
  return s ? std::move(*s) : nullptr;
}

TEST(Lifecycle, SetStateUpdatesTheRowAndAppendsHistory) {
  auto s = open_ok(temp_db("life.db"));
  ASSERT_TRUE(s);
  auto id = s->add_decision(deny("192.0.2.7", 1000 * kSec));
  ASSERT_TRUE(id) << id.error().message;
  ASSERT_TRUE(s->set_state(*id, "active", 1001 * kSec, "nftables: applied"));
  auto d = s->decision(*id);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->state, "active");
  EXPECT_EQ(d->ended, 0);
  EXPECT_EQ(d->target_key, "192.0.2.7");
  EXPECT_EQ(d->expires, 1000 * kSec + 3600 * kSec);

  ASSERT_TRUE(s->set_state(*id, "revoked", 1002 * kSec, "by alice"));
  d = s->decision(*id);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->state, "revoked");
  EXPECT_EQ(d->ended, 1002 * kSec);
  auto h = s->history(*id);
  ASSERT_TRUE(h);
  ASSERT_EQ(h->size(), 3u);
  EXPECT_EQ((*h)[0].state, "proposed");
  EXPECT_EQ((*h)[0].note, "created");
  EXPECT_EQ((*h)[1].state, "active");
  EXPECT_EQ((*h)[2].note, "by alice");

  // Final states stay final; unknown states and decisions are refused with their code.
  auto again = s->set_state(*id, "active", 1003 * kSec, "");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "bad_transition");
  EXPECT_NE(again.error().message.find("revoked"), std::string::npos);
  auto bad = s->set_state(*id, "paused", 1003 * kSec, "");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "bad_state");
  auto missing = s->set_state(4242, "revoked", 1003 * kSec, "");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "not_found");
  EXPECT_EQ(s->history(*id)->size(), 3u);  // refused changes left no history
  EXPECT_FALSE(s->decision(4242));
  EXPECT_EQ(s->decision(4242).error().code, "not_found");
}

TEST(Lifecycle, FailedCanBeRetriedAndEndsAgainWhenRevoked) {
  auto s = open_ok(temp_db("failed.db"));
  ASSERT_TRUE(s);
  auto id = s->add_decision(deny("192.0.2.8", 0));
  ASSERT_TRUE(id);
  ASSERT_TRUE(s->set_state(*id, "failed", 5 * kSec, "nft: Operation not permitted"));
  EXPECT_EQ(s->decision(*id)->ended, 5 * kSec);
  ASSERT_TRUE(s->set_state(*id, "active", 9 * kSec, "retry applied"));
  EXPECT_EQ(s->decision(*id)->ended, 0);  // alive again
  ASSERT_TRUE(s->set_state(*id, "expired", 3600 * kSec, "ttl"));
  EXPECT_EQ(s->decision(*id)->ended, 3600 * kSec);
}

TEST(Lifecycle, SetStateIsAtomicWhenTheDiskIsFull) {
  std::string path = temp_db("atomic.db");
  auto s = open_ok(path);
  ASSERT_TRUE(s);
  auto id = s->add_decision(deny("192.0.2.9", 0));
  ASSERT_TRUE(id);
  // Fill the file so the history row cannot be written: neither it nor the update stays.
  ASSERT_TRUE(s->set_size_limit(1));
  std::string note(64 * 1024, 'n');
  auto r = s->set_state(*id, "revoked", kSec, note);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "storage");
  EXPECT_NE(r.error().message.find("full"), std::string::npos) << r.error().message;
  EXPECT_FALSE(s->in_transaction());
  EXPECT_EQ(raw_sql(path, "SELECT state FROM decisions;"), "proposed");
  EXPECT_EQ(raw_count(path, "SELECT COUNT(*) FROM decision_history;"), 1);
  ASSERT_TRUE(s->set_size_limit(0));
  ASSERT_TRUE(s->set_state(*id, "revoked", kSec, note));
  EXPECT_EQ(raw_sql(path, "SELECT state FROM decisions;"), "revoked");
}

TEST(Lifecycle, InsideAnOuterTransactionARollbackUndoesTheChange) {
  auto s = open_ok(temp_db("outer.db"));
  ASSERT_TRUE(s);
  auto id = s->add_decision(deny("192.0.2.10", 0));
  ASSERT_TRUE(id);
  ASSERT_TRUE(s->begin());
  ASSERT_TRUE(s->set_state(*id, "active", kSec, ""));
  EXPECT_TRUE(s->in_transaction());
  s->rollback();
  EXPECT_EQ(s->decision(*id)->state, "proposed");
  EXPECT_EQ(s->history(*id)->size(), 1u);
}

TEST(Lifecycle, InForceDueAndLookupsByTarget) {
  auto s = open_ok(temp_db("force.db"));
  ASSERT_TRUE(s);
  const core::TimeNs now = 10 * kDay;
  // a: proposed, in force. b: active, in force. c: active, past expiry (due).
  // d: revoked (not in force). e: prefix, in force, written in a non-canonical form.
  auto a = s->add_decision(deny("192.0.2.1", now - 10 * kSec, 60));
  auto b = s->add_decision(deny("2001:0DB8::0001", now - 10 * kSec, 60));
  auto c = s->add_decision(deny("192.0.2.1", now - 3600 * kSec, 60));
  auto d = s->add_decision(deny("192.0.2.1", now - 10 * kSec, 60));
  DecisionRow pre = deny("", now, 600);
  pre.scope = "prefix";
  pre.target_json = R"({"prefix":"198.51.100.77/24"})";
  auto e = s->add_decision(pre);
  ASSERT_TRUE(a && b && c && d && e);
  ASSERT_TRUE(s->set_state(*b, "active", now - 9 * kSec, ""));
  ASSERT_TRUE(s->set_state(*c, "active", now - 3599 * kSec, ""));
  ASSERT_TRUE(s->set_state(*d, "revoked", now - 5 * kSec, ""));

  auto ids = [](const core::Result<std::vector<DecisionRow>>& rows) {
    std::vector<std::int64_t> out;
    EXPECT_TRUE(rows);
    if (rows) {
      for (const auto& r : *rows) out.push_back(r.id);
    }
    return out;
  };
  EXPECT_EQ(ids(s->in_force(now)), (std::vector<std::int64_t>{*a, *b, *e}));
  EXPECT_EQ(ids(s->due(now)), (std::vector<std::int64_t>{*c}));
  // Exactly at expiry a decision is due, no longer in force.
  EXPECT_EQ(ids(s->due(now + 50 * kSec)), (std::vector<std::int64_t>{*c, *a, *b}));
  EXPECT_EQ(ids(s->find_in_force("192.0.2.1", now)), (std::vector<std::int64_t>{*a}));
  EXPECT_EQ(ids(s->find_in_force(canonical_target_key("2001:db8:0::1"), now)),
            (std::vector<std::int64_t>{*b}));
  EXPECT_EQ(ids(s->find_in_force("198.51.100.0/24", now)), (std::vector<std::int64_t>{*e}));
  EXPECT_TRUE(ids(s->find_in_force("192.0.2.2", now)).empty());
  EXPECT_EQ(ids(s->decisions("active")), (std::vector<std::int64_t>{*b, *c}));
}

TEST(Lifecycle, CallerChosenIdsLetLaterItemsReferToADecision) {
  auto s = open_ok(temp_db("ids.db"));
  ASSERT_TRUE(s);
  EXPECT_EQ(*s->max_decision_id(), 0);
  DecisionRow d = deny("192.0.2.44", 0);
  d.id = 500;
  ASSERT_EQ(*s->add_decision(d), 500);
  EXPECT_EQ(*s->max_decision_id(), 500);
  EXPECT_EQ(*s->add_decision(deny("192.0.2.45", 0)), 501);
  auto dup = s->add_decision(d);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, "constraint");
  ASSERT_TRUE(s->add_action({500, kSec, "nftables", "applied", "set v4_addr"}));
  auto act = s->add_action({777, kSec, "nftables", "applied", ""});  // no such decision
  ASSERT_FALSE(act);
  EXPECT_EQ(act.error().code, "constraint");
  auto acts = s->actions(500);
  ASSERT_TRUE(acts);
  ASSERT_EQ(acts->size(), 1u);
  EXPECT_EQ((*acts)[0].detail, "set v4_addr");
  DecisionRow odd = deny("192.0.2.46", 0);
  odd.state = "sleeping";
  EXPECT_EQ(s->add_decision(odd).error().code, "bad_state");
  odd.state = "proposed";
  odd.ttl_s = -1;
  EXPECT_EQ(s->add_decision(odd).error().code, "bad_decision");
}

TEST(Lifecycle, TargetKeys) {
  EXPECT_EQ(canonical_target_key("2001:DB8:0:0::1"), "2001:db8::1");
  EXPECT_EQ(canonical_target_key("203.0.113.9/24"), "203.0.113.0/24");
  EXPECT_EQ(canonical_target_key("192.0.2.1/32"), "192.0.2.1");
  EXPECT_EQ(canonical_target_key("example.jp/contact/"), "example.jp/contact/");
  EXPECT_EQ(target_key_of("ip", R"({"ip":"192.0.2.001"})"), "192.0.2.001")
      << "an address that does not parse is kept as written";
  EXPECT_EQ(target_key_of("ip", R"({ "ip" : "2001:db8::0:1" })"), "2001:db8::1");
  EXPECT_EQ(target_key_of("prefix", R"({"prefix":"10.1.2.3/8"})"), "10.0.0.0/8");
  EXPECT_EQ(target_key_of("vhost_path",
                          R"({"vhost":"a.example","path":"/contact/","except_countries":["JP"]})"),
            "a.example/contact/");
  EXPECT_EQ(target_key_of("vhost_path", R"({"vhost":"a.example","path":"/x","method":"POST"})"),
            "POST a.example/x");
  EXPECT_EQ(target_key_of("vhost", R"({"vhost":"b.example"})"), "b.example");
  EXPECT_EQ(target_key_of("ip", "not json"), "not json");
}

// A file written by the previous bannin (schema 1) is brought to schema 2: target keys and
// end times are filled in for the rows it already holds.
TEST(Lifecycle, MigratesASchemaOneFile) {
  std::string path = temp_db("v1.db");
  {
    OpenOptions o;
    o.migrate_to = 1;
    auto s = open_ok(path, o);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->schema_version(), 1);
  }
  raw_sql(path,
          "INSERT INTO decisions(id, ts_ns, rule, origin, action, scope, target_json, ttl_s,"
          " expires_ns, reason, state) VALUES"
          " (1, 1000, 'r', 'rule', 'deny', 'ip', '{\"ip\":\"2001:DB8::7\"}', 60, 60000001000, 'x',"
          "  'active'),"
          " (2, 2000, 'r', 'rule', 'deny', 'prefix', '{\"prefix\":\"192.0.2.9/24\"}', 60,"
          "  60000002000, 'x', 'revoked');"
          "INSERT INTO decision_history VALUES (1, 1000, 'proposed', 'created'),"
          " (1, 1500, 'active', ''), (2, 2000, 'proposed', 'created'), (2, 2600, 'revoked', 'x');");
  auto s = open_ok(path);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->schema_version(), Store::kSchemaVersion);
  auto one = s->decision(1);
  auto two = s->decision(2);
  ASSERT_TRUE(one && two);
  EXPECT_EQ(one->target_key, "2001:db8::7");
  EXPECT_EQ(one->ended, 0);
  EXPECT_EQ(two->target_key, "192.0.2.0/24");
  EXPECT_EQ(two->ended, 2600);
  EXPECT_EQ(s->find_in_force("2001:db8::7", 2000)->size(), 1u);
  // The new indexes exist (the old state index was replaced).
  EXPECT_EQ(raw_count(path,
                      "SELECT COUNT(*) FROM sqlite_master WHERE type='index' AND name IN"
                      " ('decisions_target_key','decisions_state_expires','decisions_ended',"
                      "'decision_history_decision','actions_decision','actions_ts');"),
            6);
  EXPECT_EQ(raw_count(path, "SELECT COUNT(*) FROM sqlite_master WHERE name='decisions_state';"), 0);
}

TEST(Lifecycle, AMissingStoreIsAnErrorWhenCreationIsOff) {
  std::string path = temp_db("absent.db");
  OpenOptions o;
  o.create = false;
  auto s = Store::open(path, o);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "store_missing");
  EXPECT_NE(s.error().message.find(path), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(Retention, PrunesOldRowsPerTableAndNeverADecisionInForce) {
  std::string path = temp_db("prune.db");
  auto s = open_ok(path);
  ASSERT_TRUE(s);
  const core::TimeNs now = 1000 * kDay;
  // Findings: 3 old (40 days), 2 recent; 2 evidence lines each.
  for (int i = 0; i < 5; ++i) {
    core::TimeNs ts = i < 3 ? now - 40 * kDay : now - kDay;
    ASSERT_TRUE(s->add_finding({ts, "r", "{}", "{}", {"a", "b"}}));
  }
  // Decisions.
  // old_in_force: created 500 days ago with a 1000-day TTL, active -> kept.
  auto old_in_force = s->add_decision(deny("192.0.2.1", now - 500 * kDay, 1000 * 86400));
  // old_unswept: active, expired long ago but not yet swept (alive) -> kept.
  auto old_unswept = s->add_decision(deny("192.0.2.2", now - 500 * kDay, 60));
  // old_revoked: ended 400 days ago -> deleted with its history and actions.
  auto old_revoked = s->add_decision(deny("192.0.2.3", now - 500 * kDay, 60));
  // recent_expired: ended 10 days ago -> kept.
  auto recent_expired = s->add_decision(deny("192.0.2.4", now - 11 * kDay, 86400));
  ASSERT_TRUE(old_in_force && old_unswept && old_revoked && recent_expired);
  ASSERT_TRUE(s->set_state(*old_in_force, "active", now - 500 * kDay, ""));
  ASSERT_TRUE(s->set_state(*old_unswept, "active", now - 500 * kDay, ""));
  ASSERT_TRUE(s->set_state(*old_revoked, "revoked", now - 400 * kDay, ""));
  ASSERT_TRUE(s->set_state(*recent_expired, "expired", now - 10 * kDay, ""));
  // Actions: old ones on the in-force decision (kept), on the revoked one (cascade), and on
  // the recently expired one (deleted by actions_days).
  ASSERT_TRUE(s->add_action({*old_in_force, now - 500 * kDay, "nftables", "applied", ""}));
  ASSERT_TRUE(s->add_action({*old_revoked, now - 500 * kDay, "nftables", "applied", ""}));
  ASSERT_TRUE(s->add_action({*recent_expired, now - 100 * kDay, "nftables", "applied", ""}));
  ASSERT_TRUE(s->add_action({*recent_expired, now - kDay, "nftables", "revoked", ""}));

  RetentionPolicy p;
  p.findings_days = 30;
  p.decisions_days = 365;
  p.actions_days = 90;
  auto rep = s->prune(p, now);
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_EQ(rep->findings, 3);
  EXPECT_EQ(rep->evidence, 6);
  EXPECT_EQ(rep->decisions, 1);
  EXPECT_EQ(rep->history, 2);  // proposed + revoked of old_revoked
  EXPECT_EQ(rep->actions, 2);  // cascaded from old_revoked + the 100-day-old one
  EXPECT_EQ(*s->count("findings"), 2);
  EXPECT_EQ(*s->count("evidence"), 4);
  EXPECT_TRUE(s->decision(*old_in_force));
  EXPECT_TRUE(s->decision(*old_unswept));
  EXPECT_FALSE(s->decision(*old_revoked));
  EXPECT_TRUE(s->decision(*recent_expired));
  EXPECT_EQ(s->actions(*old_in_force)->size(), 1u);
  EXPECT_EQ(s->actions(*recent_expired)->size(), 1u);
  EXPECT_EQ(raw_count(path,
                      "SELECT COUNT(*) FROM decision_history WHERE decision_id NOT IN"
                      " (SELECT id FROM decisions);"),
            0);

  // A second run finds nothing; 0 days keeps a table forever.
  auto again = s->prune(p, now);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->findings + again->decisions + again->actions + again->history, 0);
  RetentionPolicy forever{0, 0, 0};
  auto none = s->prune(forever, now + 10000 * kDay);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->findings + none->decisions + none->actions, 0);
  // Even with 1-day retention, far in the future, the alive decisions stay.
  RetentionPolicy tight{1, 1, 1};
  auto far = s->prune(tight, now + 5000 * kDay);
  ASSERT_TRUE(far);
  EXPECT_EQ(far->decisions, 1);  // recent_expired
  EXPECT_TRUE(s->decision(*old_in_force));
  EXPECT_TRUE(s->decision(*old_unswept));
  EXPECT_EQ(s->actions(*old_in_force)->size(), 1u);
}

}  // namespace
}  // namespace bannin::store
