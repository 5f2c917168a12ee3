// Table-driven decoder tests on the fixture files (STYLE §5): every
// tests/fixtures/logs/<format>/<name>.log has a hand-written <name>.expected.jsonl with one
// JSON object per input line, in the shape `bannin parse` prints. Each line is read with
// LineReader and decoded with a DecoderSet exactly as `bannin parse` does (auto-detection on
// the first lines, per-line fallback), and the Event is compared with the expected object
// field by field, with the field's registry type: strings byte for byte (invalid UTF-8 bytes
// as U+FFFD, the output rule), ip by address and canonical text, ints, bools, durations, the
// timestamp as an instant, and no field present that the expected object does not name.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <bannin/core/ip_address.h>
#include <bannin/core/json_writer.h>
#include <bannin/core/time.h>
#include <bannin/decode/decoder_set.h>
#include <bannin/model/fields.h>
#include <bannin/source/line_reader.h>

namespace bannin::decode {
namespace {

namespace fs = std::filesystem;
using model::Field;
using model::FieldType;

struct Fixture {
  std::string format;  // the folder name, also the decoder name
  fs::path log;
  fs::path expected;
};

std::vector<Fixture> all_fixtures() {
  std::vector<Fixture> out;
  fs::path root = fs::path(BANNIN_FIXTURES) / "logs";
  for (const char* format : {"combined", "common", "vhost_combined", "nginx_json", "ltsv"}) {
    for (const auto& entry : fs::directory_iterator(root / format)) {
      fs::path p = entry.path();
      if (p.extension() != ".log") continue;
      fs::path expected = p;
      expected.replace_extension(".expected.jsonl");
      if (fs::exists(expected)) out.push_back({format, p, expected});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Fixture& a, const Fixture& b) { return a.log < b.log; });
  return out;
}

std::vector<std::string> read_lines(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string as_output_text(std::string_view s) {
  std::string out;
  core::utf8_append_replacing_invalid(out, s);
  return out;
}

// Compares one decoded line with its expected object; returns a description of every
// difference (empty when equal).
std::string compare(simdjson::dom::object expected, const DecoderSet& set,
                    const DecoderSet::Outcome& outcome, const model::Event& ev) {
  std::string diff;
  auto fail = [&diff](std::string_view key, const std::string& what) {
    diff += std::string(key) + ": " + what + "\n";
  };
  simdjson::dom::element decoder_el;
  if (expected["decoder"].get(decoder_el) != simdjson::SUCCESS) return "expected has no decoder";
  if (decoder_el.is_null()) {
    if (outcome.result.ok()) {
      fail("decoder", "expected a rejected line, got one decoded by " +
                          std::string(set.candidates()[outcome.decoder]->name()));
    } else {
      std::string_view reason;
      if (expected["error"].get(reason) == simdjson::SUCCESS && reason != outcome.result.reason) {
        fail("error",
             "expected " + std::string(reason) + ", got " + std::string(outcome.result.reason));
      }
    }
    return diff;
  }
  if (!outcome.result.ok()) {
    return "rejected with " + std::string(outcome.result.reason) + " at column " +
           std::to_string(outcome.result.column);
  }
  std::string_view want_decoder = decoder_el.get_string().value_unsafe();
  std::string_view got_decoder = set.candidates()[outcome.decoder]->name();
  if (want_decoder != got_decoder) {
    fail("decoder", "expected " + std::string(want_decoder) + ", got " + std::string(got_decoder));
  }
  std::set<std::string, std::less<>> expected_keys;
  for (auto [key, value] : expected) {
    expected_keys.emplace(key);
    if (key == "line" || key == "decoder") continue;
    if (key == "kind") {
      std::string_view k = value.get_string().value_unsafe();
      if (k != model::name(ev.kind())) fail(key, "kind " + std::string(model::name(ev.kind())));
      continue;
    }
    if (key == "ts") {
      std::string_view text = value.get_string().value_unsafe();
      auto want = core::parse_iso8601(text);
      if (!want) {
        fail(key, "bad expected timestamp");
      } else if (*want != ev.ts()) {
        fail(key, "expected " + std::string(text) + ", got " + core::format_rfc3339(ev.ts()));
      }
      continue;
    }
    auto field = model::field_by_name(key);
    if (!field) {
      fail(key, "not a registry field name");
      continue;
    }
    const model::FieldValue* got = ev.get(*field);
    if (got == nullptr) {
      fail(key, "absent");
      continue;
    }
    if (got->type != model::type(*field)) fail(key, "type differs from the registry's");
    switch (got->type) {
      case FieldType::String: {
        std::string_view want;
        if (value.get_string().get(want) != simdjson::SUCCESS) {
          fail(key, "expected value is not a string");
        } else if (as_output_text(got->s) != want) {
          fail(key, "expected '" + std::string(want) + "', got '" + as_output_text(got->s) + "'");
        }
        break;
      }
      case FieldType::Ip: {
        std::string_view want;
        if (value.get_string().get(want) != simdjson::SUCCESS) {
          fail(key, "expected value is not a string");
          break;
        }
        auto want_ip = core::IpAddress::parse(want);
        if (!want_ip || *want_ip != got->ip || got->ip.to_string() != want) {
          fail(key, "expected " + std::string(want) + ", got " + got->ip.to_string());
        }
        break;
      }
      case FieldType::Int: {
        std::int64_t want = 0;
        if (value.get_int64().get(want) != simdjson::SUCCESS || want != got->i) {
          fail(key, "got " + std::to_string(got->i));
        }
        break;
      }
      case FieldType::Bool: {
        bool want = false;
        if (value.get_bool().get(want) != simdjson::SUCCESS || want != got->b) {
          fail(key, std::string("got ") + (got->b ? "true" : "false"));
        }
        break;
      }
      case FieldType::Duration: {
        double seconds = 0;
        if (value.get_double().get(seconds) != simdjson::SUCCESS) {
          std::int64_t whole = 0;
          if (value.get_int64().get(whole) == simdjson::SUCCESS)
            seconds = static_cast<double>(whole);
        }
        if (std::llround(seconds * 1e9) != got->i)
          fail(key, "got " + std::to_string(got->i) + " ns");
        break;
      }
      case FieldType::Timestamp: {
        std::string_view text;
        auto want = value.get_string().get(text) == simdjson::SUCCESS ? core::parse_iso8601(text)
                                                                      : std::nullopt;
        if (!want || *want != got->i) fail(key, "got " + core::format_rfc3339(got->i));
        break;
      }
    }
  }
  for (const model::FieldValue& v : ev) {
    if (!expected_keys.contains(model::name(v.field))) {
      fail(model::name(v.field), "present but not expected");
    }
  }
  if (ev.dropped() != 0) fail("event", "dropped fields");
  return diff;
}

class AccessLogFixture : public ::testing::TestWithParam<Fixture> {};

// Auto mode, as `bannin parse` runs by default.
TEST_P(AccessLogFixture, AutoDetectedDecodeMatchesExpected) {
  const Fixture& fx = GetParam();
  std::vector<std::string> expected_lines = read_lines(fx.expected);
  ASSERT_FALSE(expected_lines.empty());

  int fd = ::open(fx.log.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0) << fx.log;
  source::LineReader reader(fd, fx.log.string());
  DecoderSet set("auto");
  set.detect(reader.peek(64));
  EXPECT_EQ(set.candidates()[set.primary()]->name(), fx.format)
      << "auto-detection picked the wrong decoder for " << fx.log;

  simdjson::dom::parser parser;
  model::Event ev;
  model::Record rec;
  std::size_t n = 0;
  while (reader.next(rec)) {
    ASSERT_LT(n, expected_lines.size()) << fx.log << ": more lines than expected";
    std::string_view line = rec.bytes;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto outcome = set.decode(line, ev);
    simdjson::dom::object expected;
    ASSERT_EQ(parser.parse(expected_lines[n]).get(expected), simdjson::SUCCESS)
        << fx.expected << ":" << n + 1 << " is not a JSON object";
    std::int64_t want_line = 0;
    ASSERT_EQ(expected["line"].get(want_line), simdjson::SUCCESS);
    EXPECT_EQ(static_cast<std::uint64_t>(want_line), rec.line_no);
    std::string diff = compare(expected, set, outcome, ev);
    EXPECT_TRUE(diff.empty()) << fx.log.filename().string() << ":" << rec.line_no << "\n" << diff;
    ++n;
  }
  ::close(fd);
  EXPECT_EQ(n, expected_lines.size()) << fx.log << ": fewer lines than expected";
}

// `--decoder NAME`: the forced decoder gives the same events on the lines the expected file
// attributes to it, and rejects every other line (no fallback).
TEST_P(AccessLogFixture, ForcedDecoderDecodesItsOwnLinesOnly) {
  const Fixture& fx = GetParam();
  std::vector<std::string> lines = read_lines(fx.log);
  std::vector<std::string> expected_lines = read_lines(fx.expected);
  ASSERT_EQ(lines.size(), expected_lines.size());
  DecoderSet set(fx.format);
  ASSERT_FALSE(set.is_auto());
  ASSERT_EQ(set.candidates().size(), 1u);
  simdjson::dom::parser parser;
  model::Event ev;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    simdjson::dom::object expected;
    ASSERT_EQ(parser.parse(expected_lines[i]).get(expected), simdjson::SUCCESS);
    std::string_view want_decoder;
    bool mine =
        expected["decoder"].get(want_decoder) == simdjson::SUCCESS && want_decoder == fx.format;
    auto outcome = set.decode(lines[i], ev);
    if (mine) {
      std::string diff = compare(expected, set, outcome, ev);
      EXPECT_TRUE(diff.empty()) << fx.log.filename().string() << ":" << i + 1 << "\n" << diff;
    } else {
      EXPECT_FALSE(outcome.result.ok())
          << fx.log.filename().string() << ":" << i + 1 << " accepted by forced " << fx.format;
      EXPECT_FALSE(outcome.result.reason.empty());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, AccessLogFixture, ::testing::ValuesIn(all_fixtures()),
                         [](const ::testing::TestParamInfo<Fixture>& param_info) {
                           std::string name =
                               param_info.param.format + "_" + param_info.param.log.stem().string();
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(AccessLogFixtures, EveryAccessLogDecoderHasAFixture) {
  std::set<std::string> formats;
  for (const Fixture& fx : all_fixtures()) formats.insert(fx.format);
  for (const char* format : {"combined", "common", "vhost_combined", "nginx_json", "ltsv"}) {
    EXPECT_TRUE(formats.contains(format)) << "no fixture for decoder " << format;
    EXPECT_NE(make_decoder(format), nullptr) << format << " is not a known decoder";
  }
}

}  // namespace
}  // namespace bannin::decode
