// bannin's JSON readers side by side (docs/decisions/2026-12-08-one-json-reader.md): the
// store's column reader (store/json_columns.h, simdjson with a parser per thread), the API's
// tree (api/json_value.h, hand-written for its located errors) and simdjson's DOM alone (a
// reused parser), on what bannin reads: a decision's target_json and a finding's group_json
// (one string member: the store, the API's findings pages), a decision POST body and a status
// document (the whole text: the API, `bannin status`). Not a test: `build/.../bench_json`.
#include <string>
#include <string_view>

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <bannin/api/json_value.h>
#include <bannin/store/json_columns.h>

namespace {

const std::string kTarget = R"({"ip":"203.0.113.7"})";
const std::string kVhostPath =
    R"({"vhost":"shop.example.jp","path":"/wp-login.php","method":"POST"})";
const std::string kGroup = R"({"src_ip":"203.0.113.7","vhost":"shop.example.jp","count":"12"})";
const std::string kPostBody =
    R"({"scope":"ip","ip":"198.51.100.23","action":"deny","ttl":"1h",)"
    R"("reason":"manual block after support ticket #4412","rule":"operator.manual"})";

std::string status_document() {
  std::string s =
      R"({"daemon":{"version":"0.9","mode":"observe","started":"2026-12-08T00:00:00Z"},)";
  s += R"("sources":[)";
  for (int i = 0; i < 40; ++i) {
    if (i > 0) s += ',';
    s += R"({"name":"/var/log/nginx/site)" + std::to_string(i) +
         R"(.access.log","decoder":"combined","lines":123456,"bytes":98765432,)"
         R"("rejects":{"bad_time":1,"truncated":0},"missing":false,"note":""})";
  }
  s += R"(],"queues":[{"name":"ingest","depth":0,"dropped":0},{"name":"store","depth":3,)"
       R"("dropped":0}],"store":{"ok":true,"written":99999,"failed":0},)"
       R"("decisions":{"active":12,"latest":[{"id":1,"scope":"ip","target":{"ip":"203.0.113.7"},)"
       R"("reason":"12 failed logins","expires":"2026-12-08T01:00:00Z"}]}})";
  return s;
}
const std::string kStatus = status_document();

// --- one string member ----------------------------------------------------------------------

void member_store(benchmark::State& st, const std::string* doc, const char* key) {
  for (auto _ : st) {
    auto v = bannin::store::detail::json_member_string(*doc, key);
    benchmark::DoNotOptimize(v);
  }
}
void member_api(benchmark::State& st, const std::string* doc, const char* key) {
  for (auto _ : st) {
    auto v = bannin::api::parse_json(*doc);
    const bannin::api::JsonValue* m = v ? v->find(key) : nullptr;
    std::string out = m != nullptr && m->string() != nullptr ? *m->string() : std::string();
    benchmark::DoNotOptimize(out);
  }
}

// --- the whole document ---------------------------------------------------------------------

void valid_store(benchmark::State& st, const std::string* doc) {
  for (auto _ : st) benchmark::DoNotOptimize(bannin::store::detail::json_valid(*doc));
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * doc->size()));
}
void tree_api(benchmark::State& st, const std::string* doc) {
  for (auto _ : st) {
    auto v = bannin::api::parse_json(*doc);
    benchmark::DoNotOptimize(v);
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * doc->size()));
}
void tree_simdjson(benchmark::State& st, const std::string* doc) {
  simdjson::dom::parser p;
  for (auto _ : st) {
    simdjson::dom::element e;
    benchmark::DoNotOptimize(p.parse(doc->data(), doc->size()).get(e));
  }
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * doc->size()));
}

BENCHMARK_CAPTURE(member_store, target_ip, &kTarget, "ip");
BENCHMARK_CAPTURE(member_api, target_ip, &kTarget, "ip");
BENCHMARK_CAPTURE(member_store, vhost_path, &kVhostPath, "path");
BENCHMARK_CAPTURE(member_api, vhost_path, &kVhostPath, "path");
BENCHMARK_CAPTURE(member_store, group_vhost, &kGroup, "vhost");
BENCHMARK_CAPTURE(member_api, group_vhost, &kGroup, "vhost");
BENCHMARK_CAPTURE(valid_store, post_body, &kPostBody);
BENCHMARK_CAPTURE(tree_api, post_body, &kPostBody);
BENCHMARK_CAPTURE(tree_simdjson, post_body, &kPostBody);
BENCHMARK_CAPTURE(valid_store, status, &kStatus);
BENCHMARK_CAPTURE(tree_api, status, &kStatus);
BENCHMARK_CAPTURE(tree_simdjson, status, &kStatus);

}  // namespace
