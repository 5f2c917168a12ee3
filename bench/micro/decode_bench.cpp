// Per-decoder micro-benchmarks: one representative line decoded over and over into a reused
// Event (the hot path of `bannin parse` and `bannin replay`), plus JSON formatting.
// Reported as items (lines) per second. Run with `make bench`.
#include <string>

#include <benchmark/benchmark.h>

#include <bannin/core/json_writer.h>
#include <bannin/decode/decoder_set.h>
#include <bannin/model/event_format.h>

namespace {

using bannin::decode::make_decoder;

const char* kCombined =
    R"(162.253.129.51 - - [19/Feb/2021:05:21:35 +0900] "POST /contact/?lang=en HTTP/1.1" 200 147152 "https://trend-tracer.com" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.150 Safari/537.36")";
const char* kVhost =
    R"(example.jp:443 2001:db8::1 - - [19/Feb/2021:05:21:35 +0900] "GET /wp-login.php HTTP/1.1" 200 4512 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:85.0) Gecko/20100101 Firefox/85.0")";
const char* kCommon =
    R"(192.0.2.7 - alice [19/Feb/2021:05:21:35 +0900] "GET /index.html HTTP/1.0" 200 2326)";
const char* kJson =
    R"({"time_local":"19/Feb/2021:05:21:35 +0900","remote_addr":"162.253.129.51","remote_user":"","request":"POST /contact/ HTTP/1.1","status":"200","body_bytes_sent":"147152","http_referer":"https://trend-tracer.com","http_user_agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/88.0","request_time":"0.120"})";
const char* kLtsv =
    "time:[19/Feb/2021:05:21:35 +0900]\thost:162.253.129.51\tforwardedfor:-\treq:POST /contact/ "
    "HTTP/1.1\tstatus:200\tsize:147152\treferer:https://trend-tracer.com\tua:Mozilla/5.0 "
    "(Windows NT 10.0; Win64; x64) Chrome/88.0\treqtime:0.120\tvhost:example.jp";

void decode_line(benchmark::State& state, const char* decoder, const char* line) {
  auto d = make_decoder(decoder);
  bannin::model::Event ev;
  std::string_view sv(line);
  for (auto _ : state) {
    ev.reset();
    auto r = d->decode(sv, ev);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(ev.size());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * sv.size()));
}
BENCHMARK_CAPTURE(decode_line, combined, "combined", kCombined);
BENCHMARK_CAPTURE(decode_line, vhost_combined, "vhost_combined", kVhost);
BENCHMARK_CAPTURE(decode_line, common, "common", kCommon);
BENCHMARK_CAPTURE(decode_line, nginx_json, "nginx_json", kJson);
BENCHMARK_CAPTURE(decode_line, ltsv, "ltsv", kLtsv);

void decode_and_format_json(benchmark::State& state) {
  auto d = make_decoder("combined");
  bannin::model::Event ev;
  bannin::model::EventFormatter fmt;
  std::string out;
  out.reserve(1 << 16);
  for (auto _ : state) {
    ev.reset();
    (void)d->decode(kCombined, ev);
    out.clear();
    bannin::core::JsonObjectWriter obj(out);
    obj.integer("line", 1);
    fmt.append_json_members(obj, ev);
    obj.close();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(decode_and_format_json);

void auto_detect_fallback(benchmark::State& state) {
  // A common line in a combined file: primary rejects, fallback accepts.
  bannin::decode::DecoderSet set("auto");
  set.detect({kCombined, kCombined});
  bannin::model::Event ev;
  for (auto _ : state) {
    auto o = set.decode(kCommon, ev);
    benchmark::DoNotOptimize(o);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(auto_detect_fallback);

}  // namespace
