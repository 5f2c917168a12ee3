// JournaldSource: the systemd journal as a live source (issue 7). Source stage; owned by the
// daemon's ingest thread, the only thread that may call it (an sd_journal handle belongs to
// one thread and is not valid across fork). A PollSource.
//
// libsystemd is optional: it is opened with dlopen("libsystemd.so.0") when the source is
// opened, so bannin neither links nor requires it. open() fails with code "not_available"
// and the reason as message ("cannot load libsystemd.so.0: …", "no journal files under
// /run/log/journal or /var/log/journal", "no permission to read the journal files …") when
// the library is missing or lacks the sd_journal calls, or when there is no journal to read;
// the daemon reports "journald: not available (REASON)" once and goes on with its other
// sources.
//
// Reading starts after a cursor (the daemon's checkpoint, see cursor()) or, without one or
// when the cursor is not found, at the tail: only entries written from now on. Each entry
// with a MESSAGE becomes ONE Record holding a journald JSON line in the shape decode/syslog
// reads (`journalctl -o json`): {"__REALTIME_TIMESTAMP":"…","_HOSTNAME":"…",
// "SYSLOG_IDENTIFIER":"…","_COMM":"…","SYSLOG_PID":"…","_PID":"…","MESSAGE":"…"} — absent
// fields are left out, every value is a JSON string, invalid UTF-8 bytes become U+FFFD, and a
// MESSAGE longer than max_message is cut and the Record marked truncated.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/core/result.h>
#include <bannin/source/poll_source.h>
#include <bannin/source/poll_support.h>

namespace bannin::source {

/// The fields of one journal entry bannin passes on (views into libsystemd's data).
struct JournalEntry {
  std::uint64_t realtime_usec = 0;  ///< __REALTIME_TIMESTAMP (0 = unknown, left out)
  std::string_view hostname;        ///< _HOSTNAME
  std::string_view identifier;      ///< SYSLOG_IDENTIFIER
  std::string_view comm;            ///< _COMM (the decoder uses it without an identifier)
  std::string_view syslog_pid;      ///< SYSLOG_PID
  std::string_view pid;             ///< _PID
  std::string_view message;         ///< MESSAGE
};

/// Appends e as one journald JSON line (no '\n') to out, MESSAGE cut at max_message bytes
/// (on a UTF-8 character boundary). Returns true when MESSAGE was cut.
bool append_journal_json(std::string& out, const JournalEntry& e,
                         std::size_t max_message = 64u << 10);

struct JournaldOptions {
  /// Continue after this entry (sd_journal_get_cursor text); empty = from the tail.
  std::string cursor;
  /// Read the journal files in this directory instead of the local system journal.
  std::string directory;
  /// The library to dlopen.
  std::string library = "libsystemd.so.0";
  /// Where the system journal lives; open() requires a readable *.journal file in one.
  std::vector<std::string> journal_dirs = {"/run/log/journal", "/var/log/journal"};
  std::size_t max_message = 64u << 10;
  std::uint32_t source_id = 0;
};

class JournaldSource final : public PollSource {
 public:
  static core::Result<std::unique_ptr<JournaldSource>> open(const JournaldOptions& options = {});
  /// The system journal with default options, after cursor (the stored checkpoint) or from
  /// the tail (std::nullopt).
  static core::Result<std::unique_ptr<JournaldSource>> open(std::optional<std::string> cursor);
  ~JournaldSource() override;
  JournaldSource(const JournaldSource&) = delete;
  JournaldSource& operator=(const JournaldSource&) = delete;

  [[nodiscard]] int fd() const override { return ready_.fd(); }
  std::size_t read_ready(const Sink& sink, std::size_t max_records) override;
  /// "journald" or "journald DIRECTORY".
  [[nodiscard]] std::string describe() const override { return name_; }
  [[nodiscard]] const SourceStats& stats() const override { return stats_; }

  /// The cursor of the last entry read (the checkpoint to store); the start cursor before
  /// any entry was read.
  [[nodiscard]] const std::string& cursor() const noexcept { return cursor_; }
  /// Empty, or why reading did not start where asked ("cursor not found: starting at the
  /// tail").
  [[nodiscard]] const std::string& start_note() const noexcept { return start_note_; }
  /// Entries skipped because they had no MESSAGE field.
  [[nodiscard]] std::uint64_t without_message() const noexcept { return without_message_; }

 private:
  struct Api;
  JournaldSource();
  void update_cursor();

  std::unique_ptr<Api> api_;
  void* journal_ = nullptr;  // sd_journal*
  std::string name_ = "journald";
  std::uint32_t source_id_ = 0;
  std::size_t max_message_ = 64u << 10;
  ReadyFd ready_;
  std::string skip_cursor_;  // the resume cursor: skip its entry if next() lands on it
  std::string cursor_;
  std::string start_note_;
  std::string line_;
  std::uint64_t without_message_ = 0;
  SourceStats stats_;
};

}  // namespace bannin::source
