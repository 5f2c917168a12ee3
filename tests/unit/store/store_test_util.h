// Helpers shared by the store tests: fresh database paths in the test temp dir, a decision
// row, and raw SQL on a second connection (how an operator with sqlite3 would touch the file).
#pragma once

#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <bannin/store/store.h>

namespace bannin::store::testing {

inline std::string temp_db(const std::string& name) {
  std::string p = ::testing::TempDir() + "bannin_store_" + name;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(p + suffix);
  return p;
}

inline DecisionRow deny(const std::string& ip, core::TimeNs ts, std::int64_t ttl_s = 3600) {
  DecisionRow d;
  d.ts = ts;
  d.rule = "web.wp_login.bruteforce";
  d.action = "deny";
  d.scope = "ip";
  d.target_json = "{\"ip\":\"" + ip + "\"}";
  d.ttl_s = ttl_s;
  d.reason = "12 failed logins";
  return d;
}

/// Runs SQL on its own connection; returns the first column of the first row ("" if none).
inline std::string raw_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  std::string first;
  char* err = nullptr;
  int rc = sqlite3_exec(
      db, sql.c_str(),
      [](void* out, int n, char** vals, char**) {
        auto* s = static_cast<std::string*>(out);
        if (s->empty() && n > 0 && vals[0] != nullptr) *s = vals[0];
        return 0;
      },
      &first, &err);
  EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (err != nullptr ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
  return first;
}

inline std::int64_t raw_count(const std::string& path, const std::string& sql) {
  std::string v = raw_sql(path, sql);
  return v.empty() ? -1 : std::stoll(v);
}

}  // namespace bannin::store::testing
