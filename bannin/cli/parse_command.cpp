// `bannin parse`: decode log files and print exactly one JSON object (or text line) per
// input line, in input order. The contract other tools and tests rely on:
//   {"line":N,"decoder":"combined","kind":"http.request","ts":"…Z","src_ip":…, …}
//   {"line":N,"decoder":null,"error":"bad_timestamp","tried":"combined","column":28}
// Exit status is 0 whatever the lines held; 2 when a file could not be opened or read.
// A per-decoder summary of accepted and rejected lines (by reason) goes to stderr.
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bannin/app/pipeline.h>
#include <bannin/cli/commands.h>
#include <bannin/core/json_writer.h>
#include <bannin/decode/decoder_set.h>
#include <bannin/decode/syslog/syslog_decoder.h>
#include <bannin/model/event_format.h>
#include <bannin/source/line_reader.h>

namespace bannin::cli {
namespace {

enum class Format { Jsonl, Text, None };

struct ParseOptions {
  std::string decoder = "auto";
  std::string format = "jsonl";
  std::vector<std::string> files;
  bool quiet = false;
  int year = 0;  ///< RFC 3164 year; 0 = infer from the file's mtime
};

// RFC 3164 timestamps have no year: --year, or the input's mtime (app::set_syslog_year).
core::TimeNs input_mtime(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return 0;
  return static_cast<core::TimeNs>(st.st_mtim.tv_sec) * core::kNsPerSec + st.st_mtim.tv_nsec;
}

// One stderr line per input with mail queue-id correlation at work (bounded table: its
// evictions are counted and shown, never silent).
void report_mail_correlation(const decode::DecoderSet& set, const std::string& path) {
  for (const auto& d : set.candidates()) {
    auto* s = dynamic_cast<decode::syslog::SyslogDecoder*>(d.get());
    if (s == nullptr) continue;
    const auto& st = s->mail_correlator().stats();
    if (st.learned == 0) continue;
    std::fprintf(
        stderr,
        "bannin parse: %s: mail queue ids: %llu messages, %llu lines joined, %llu hand-overs, "
        "%llu removed, %llu expired, %llu evicted\n",
        path.c_str(), static_cast<unsigned long long>(st.learned),
        static_cast<unsigned long long>(st.filled), static_cast<unsigned long long>(st.linked),
        static_cast<unsigned long long>(st.removed), static_cast<unsigned long long>(st.expired),
        static_cast<unsigned long long>(st.evicted));
  }
}

struct DecoderStats {
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::map<std::string, std::uint64_t> reasons;
};

// Output is collected in a large buffer and written in blocks.
class Output {
 public:
  static constexpr std::size_t kFlushAt = 1u << 20;
  Output() { buf_.reserve(kFlushAt + (64u << 10)); }
  ~Output() { flush(); }
  std::string& buf() noexcept { return buf_; }
  void maybe_flush() {
    if (buf_.size() >= kFlushAt) flush();
  }
  void flush() {
    std::size_t off = 0;
    while (off < buf_.size() && !failed_) {
      ssize_t n = ::write(STDOUT_FILENO, buf_.data() + off, buf_.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        std::fprintf(stderr, "bannin parse: writing output: %s\n", std::strerror(errno));
        failed_ = true;
        break;
      }
      off += static_cast<std::size_t>(n);
    }
    buf_.clear();
  }
  [[nodiscard]] bool failed() const noexcept { return failed_; }

 private:
  std::string buf_;
  bool failed_ = false;
};

int run_parse(const ParseOptions& opt) {
  Format format = opt.format == "text"   ? Format::Text
                  : opt.format == "none" ? Format::None
                                         : Format::Jsonl;
  // Validate the decoder name once, before touching any file.
  try {
    decode::DecoderSet probe(opt.decoder);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "bannin parse: %s\n", e.what());
    return 2;
  }

  auto started = std::chrono::steady_clock::now();
  Output output;
  model::EventFormatter formatter;
  model::Event ev;
  std::map<std::string, DecoderStats> stats;
  std::uint64_t total_lines = 0, total_rejected = 0;
  int status = 0;

  for (const std::string& path : opt.files) {
    int fd = STDIN_FILENO;
    if (path != "-") {
      fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        std::fprintf(stderr, "bannin parse: %s: %s\n", path.c_str(), std::strerror(errno));
        status = 2;
        continue;
      }
    }
    source::LineReader reader(fd, path == "-" ? "<stdin>" : path);
    decode::DecoderSet decoders(opt.decoder);
    app::set_syslog_year(decoders, opt.year == 0 ? input_mtime(fd) : 0, opt.year);
    decoders.detect(reader.peek(64));
    app::forget_detection_pass(decoders);
    const auto& cands = decoders.candidates();
    std::vector<std::uint64_t> accepted(cands.size(), 0);
    std::string_view primary_name = cands[static_cast<std::size_t>(decoders.primary())]->name();
    DecoderStats& primary_stats = stats[std::string(primary_name)];

    model::Record rec;
    std::string& out = output.buf();
    while (reader.next(rec)) {
      ++total_lines;
      std::string_view line = rec.bytes;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      decode::DecoderSet::Outcome res;
      if (rec.truncated) {
        res.result =
            decode::DecodeResult::fail("line_too_long", source::LineReader::kDefaultMaxLine);
      } else {
        res = decoders.decode(line, ev);
      }
      if (res.result.ok()) {
        ++accepted[static_cast<std::size_t>(res.decoder)];
      } else {
        ++total_rejected;
        ++primary_stats.rejected;
        ++primary_stats.reasons[std::string(res.result.reason)];
      }
      if (format == Format::None) continue;

      if (format == Format::Jsonl) {
        core::JsonObjectWriter obj(out);
        obj.integer("line", static_cast<std::int64_t>(rec.line_no));
        if (res.result.ok()) {
          obj.key("decoder");
          out.push_back('"');
          out.append(cands[static_cast<std::size_t>(res.decoder)]->name());
          out.push_back('"');
          formatter.append_json_members(obj, ev);
        } else {
          obj.null("decoder");
          obj.string("error", res.result.reason);
          obj.string("tried", primary_name);
          if (res.result.column != 0) obj.integer("column", res.result.column);
        }
        obj.close();
      } else {
        core::json_append_int(out, static_cast<std::int64_t>(rec.line_no));
        out.push_back(' ');
        if (res.result.ok()) {
          out.append(cands[static_cast<std::size_t>(res.decoder)]->name());
          out.push_back(' ');
          formatter.append_text(out, ev);
        } else {
          out.append("- error=");
          out.append(res.result.reason);
          out.append(" tried=");
          out.append(primary_name);
          if (res.result.column != 0) {
            out.append(" column=");
            core::json_append_int(out, res.result.column);
          }
        }
      }
      out.push_back('\n');
      output.maybe_flush();
      if (output.failed()) break;
    }
    if (!reader.error().empty()) {
      std::fprintf(stderr, "bannin parse: %s: %s\n", path.c_str(), reader.error().c_str());
      status = 2;
    }
    for (std::size_t i = 0; i < cands.size(); ++i) {
      if (accepted[i] != 0) stats[std::string(cands[i]->name())].accepted += accepted[i];
    }
    if (!opt.quiet) {
      std::fprintf(stderr, "bannin parse: %s: %llu lines, decoder %.*s%s\n",
                   path == "-" ? "<stdin>" : path.c_str(),
                   static_cast<unsigned long long>(rec.line_no),
                   static_cast<int>(primary_name.size()), primary_name.data(),
                   decoders.is_auto() ? " (auto-detected)" : "");
      report_mail_correlation(decoders, path == "-" ? "<stdin>" : path);
    }
    if (fd != STDIN_FILENO) ::close(fd);
    if (output.failed()) {
      status = 2;
      break;
    }
  }
  output.flush();

  if (!opt.quiet) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::fprintf(stderr, "%-16s %12s %12s  %s\n", "decoder", "accepted", "rejected", "reasons");
    for (const auto& [name, s] : stats) {
      if (s.accepted == 0 && s.rejected == 0) continue;
      std::string reasons;
      for (const auto& [reason, n] : s.reasons) {
        if (!reasons.empty()) reasons += ", ";
        reasons += reason + " " + std::to_string(n);
      }
      std::fprintf(stderr, "%-16s %12llu %12llu  %s\n", name.c_str(),
                   static_cast<unsigned long long>(s.accepted),
                   static_cast<unsigned long long>(s.rejected), reasons.c_str());
    }
    std::fprintf(stderr, "total: %llu lines, %llu decoded, %llu rejected, %.3f s, %.2f M lines/s\n",
                 static_cast<unsigned long long>(total_lines),
                 static_cast<unsigned long long>(total_lines - total_rejected),
                 static_cast<unsigned long long>(total_rejected), secs,
                 secs > 0 ? static_cast<double>(total_lines) / secs / 1e6 : 0.0);
    if (formatter.replaced_bytes() != 0) {
      std::fprintf(stderr, "note: %zu invalid UTF-8 bytes were replaced by U+FFFD in the output\n",
                   formatter.replaced_bytes());
    }
  }
  return status;
}

}  // namespace

void add_parse_command(CLI::App& app, int& exit_code) {
  auto opt = std::make_shared<ParseOptions>();
  std::string decoders = "auto";
  for (const auto& d : decode::all_decoders()) decoders += ", " + std::string(d.name);
  auto* cmd = app.add_subcommand(
      "parse",
      "Decode log files and print one JSON object per input line, in input order.\n"
      "Lines no decoder accepts give {\"line\":N,\"decoder\":null,\"error\":REASON}; a\n"
      "per-decoder count of accepted and rejected lines goes to stderr.");
  cmd->add_option("--decoder", opt->decoder, "Decoder to use: " + decoders)->capture_default_str();
  cmd->add_option("--format", opt->format,
                  "jsonl (one JSON object per line), text, or none (decode and count only)")
      ->check(CLI::IsMember({"jsonl", "text", "none"}))
      ->capture_default_str();
  cmd->add_option("--year", opt->year,
                  "Year of RFC 3164 timestamps (default: from each file's mtime, lines dated after "
                  "its month belong to the year before)")
      ->check(CLI::Range(1970, 9999));
  cmd->add_flag("-q,--quiet", opt->quiet, "No summary on stderr");
  cmd->add_option("files", opt->files, "Log files to read; - for standard input")->required();
  cmd->callback([opt, &exit_code] { exit_code = run_parse(*opt); });
}

}  // namespace bannin::cli
