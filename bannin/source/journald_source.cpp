#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <type_traits>

#include <dlfcn.h>
#include <unistd.h>

#include <bannin/core/json_writer.h>
#include <bannin/source/journald_source.h>

namespace bannin::source {

namespace {

// The few sd-journal.h declarations bannin uses, so there is no build dependency on
// libsystemd-dev (man sd_journal_open(3) and friends; stable ABI of libsystemd.so.0).
constexpr int kSdJournalLocalOnly = 1 << 0;
using OpenFn = int (*)(void** ret, int flags);
using OpenDirectoryFn = int (*)(void** ret, const char* path, int flags);
using CloseFn = void (*)(void* j);
using GetFdFn = int (*)(void* j);
using ProcessFn = int (*)(void* j);
using NextFn = int (*)(void* j);
using PreviousFn = int (*)(void* j);
using SeekTailFn = int (*)(void* j);
using SeekCursorFn = int (*)(void* j, const char* cursor);
using TestCursorFn = int (*)(void* j, const char* cursor);
using GetCursorFn = int (*)(void* j, char** cursor);
using GetDataFn = int (*)(void* j, const char* field, const void** data, std::size_t* length);
using GetRealtimeFn = int (*)(void* j, std::uint64_t* usec);

core::Error unavailable(const std::string& why) {
  return core::make_error("not_available", why);
}

// A *.journal file under dir (or one level below: /var/log/journal/<machine-id>/…).
// Sets readable when one can be opened for reading.
bool has_journal_files(const std::string& dir, bool& readable) {
  namespace fs = std::filesystem;
  std::error_code ec;
  bool found = false;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it.depth() > 1) {
      it.disable_recursion_pending();
      continue;
    }
    const fs::path& p = it->path();
    std::string ext = p.extension().string();
    if (ext == ".journal" || ext == ".journal~") {
      found = true;
      if (::access(p.c_str(), R_OK) == 0) {
        readable = true;
        return true;
      }
    }
  }
  return found;
}

std::string_view strip_field(const void* data, std::size_t len, std::string_view field) {
  std::string_view v(static_cast<const char*>(data), len);
  if (v.size() > field.size() && v.substr(0, field.size()) == field && v[field.size()] == '=') {
    return v.substr(field.size() + 1);
  }
  return {};
}

}  // namespace

bool append_journal_json(std::string& out, const JournalEntry& e, std::size_t max_message) {
  core::JsonObjectWriter w(out);
  if (e.realtime_usec != 0) {
    w.key("__REALTIME_TIMESTAMP");
    out.push_back('"');
    out.append(std::to_string(e.realtime_usec));
    out.push_back('"');
  }
  if (!e.hostname.empty()) w.string("_HOSTNAME", e.hostname);
  if (!e.identifier.empty()) w.string("SYSLOG_IDENTIFIER", e.identifier);
  if (!e.comm.empty()) w.string("_COMM", e.comm);
  if (!e.syslog_pid.empty()) w.string("SYSLOG_PID", e.syslog_pid);
  if (!e.pid.empty()) w.string("_PID", e.pid);
  std::string_view msg = e.message;
  bool cut = false;
  if (msg.size() > max_message) {
    std::size_t n = max_message;
    // Do not split a UTF-8 sequence: back up over continuation bytes (at most 3).
    for (int i = 0; i < 3 && n > 0 && (static_cast<unsigned char>(msg[n]) & 0xC0) == 0x80; ++i) --n;
    msg = msg.substr(0, n);
    cut = true;
  }
  w.string("MESSAGE", msg);
  w.close();
  return cut;
}

struct JournaldSource::Api {
  void* lib = nullptr;
  OpenFn open = nullptr;
  OpenDirectoryFn open_directory = nullptr;
  CloseFn close = nullptr;
  GetFdFn get_fd = nullptr;
  ProcessFn process = nullptr;
  NextFn next = nullptr;
  PreviousFn previous = nullptr;
  SeekTailFn seek_tail = nullptr;
  SeekCursorFn seek_cursor = nullptr;
  TestCursorFn test_cursor = nullptr;
  GetCursorFn get_cursor = nullptr;
  GetDataFn get_data = nullptr;
  GetRealtimeFn get_realtime = nullptr;
  struct Fields {  // the current entry's fields, reused from entry to entry
    std::string hostname, identifier, comm, syslog_pid, pid, message;
  } fields;

  ~Api() {
    if (lib != nullptr) dlclose(lib);
  }

  // Loads the library and every symbol; returns the missing piece or an empty string.
  std::string load(const std::string& name) {
    dlerror();
    lib = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      const char* e = dlerror();
      return "cannot load " + name + (e != nullptr ? std::string(": ") + e : std::string());
    }
    std::string missing;
    auto sym = [&](auto& fn, const char* symbol) {
      void* p = dlsym(lib, symbol);
      if (p == nullptr && missing.empty()) missing = name + " has no " + symbol;
      // POSIX guarantees a data pointer from dlsym converts to a function pointer.
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(p);
    };
    sym(open, "sd_journal_open");
    sym(open_directory, "sd_journal_open_directory");
    sym(close, "sd_journal_close");
    sym(get_fd, "sd_journal_get_fd");
    sym(process, "sd_journal_process");
    sym(next, "sd_journal_next");
    sym(previous, "sd_journal_previous");
    sym(seek_tail, "sd_journal_seek_tail");
    sym(seek_cursor, "sd_journal_seek_cursor");
    sym(test_cursor, "sd_journal_test_cursor");
    sym(get_cursor, "sd_journal_get_cursor");
    sym(get_data, "sd_journal_get_data");
    sym(get_realtime, "sd_journal_get_realtime_usec");
    return missing;
  }
};

JournaldSource::JournaldSource() = default;

JournaldSource::~JournaldSource() {
  ready_.close();
  if (journal_ != nullptr && api_ && api_->close != nullptr) api_->close(journal_);
}

core::Result<std::unique_ptr<JournaldSource>> JournaldSource::open(const JournaldOptions& options) {
  std::unique_ptr<JournaldSource> s(new JournaldSource());
  s->source_id_ = options.source_id;
  s->max_message_ = options.max_message > 0 ? options.max_message : 1;
  s->api_ = std::make_unique<Api>();
  if (std::string why = s->api_->load(options.library); !why.empty()) return unavailable(why);
  Api& api = *s->api_;

  int r = 0;
  if (options.directory.empty()) {
    bool any = false, readable = false;
    std::string dirs;
    for (const std::string& d : options.journal_dirs) {
      any = has_journal_files(d, readable) || any;
      if (readable) break;
      dirs += (dirs.empty() ? "" : " or ") + d;
    }
    if (!any) return unavailable("no journal files under " + dirs);
    if (!readable) {
      return unavailable("no permission to read the journal files under " + dirs +
                         "; run as root or in group systemd-journal");
    }
    r = api.open(&s->journal_, kSdJournalLocalOnly);
  } else {
    s->name_ = "journald " + options.directory;
    std::error_code ec;
    if (!std::filesystem::is_directory(options.directory, ec)) {
      return unavailable("no journal directory " + options.directory);
    }
    r = api.open_directory(&s->journal_, options.directory.c_str(), 0);
  }
  if (r < 0) {
    s->journal_ = nullptr;
    return unavailable("sd_journal_open: " + errno_text(-r));
  }
  // The inotify descriptor is set up now so no entry written from here on is missed.
  int jfd = api.get_fd(s->journal_);
  if (jfd < 0) return unavailable("sd_journal_get_fd: " + errno_text(-jfd));

  bool positioned = false;
  if (!options.cursor.empty()) {
    r = api.seek_cursor(s->journal_, options.cursor.c_str());
    if (r >= 0) {
      positioned = true;
      s->skip_cursor_ = options.cursor;
      s->cursor_ = options.cursor;
    } else {
      s->start_note_ = "cursor not usable (" + errno_text(-r) + "): starting at the tail";
    }
  }
  if (!positioned) {
    // After seek_tail, previous() steps onto the last entry, so next() returns only entries
    // written after open (without it, older systemd versions replay from the head).
    r = api.seek_tail(s->journal_);
    if (r < 0) return unavailable("sd_journal_seek_tail: " + errno_text(-r));
    api.previous(s->journal_);
    s->update_cursor();
  }
  auto ready = ReadyFd::create(jfd);
  if (!ready) return unavailable(ready.error().message);
  s->ready_ = std::move(*ready);
  // Entries written after the cursor while bannin was down are in the journal already: no
  // inotify event will announce them, so the source starts out readable.
  if (positioned) s->ready_.set_pending(true);
  return s;
}

core::Result<std::unique_ptr<JournaldSource>> JournaldSource::open(
    std::optional<std::string> cursor) {
  JournaldOptions o;
  if (cursor) o.cursor = std::move(*cursor);
  return open(o);
}

void JournaldSource::update_cursor() {
  char* c = nullptr;
  if (api_->get_cursor(journal_, &c) >= 0 && c != nullptr) {
    cursor_ = c;
  }
  std::free(c);  // NOLINT(cppcoreguidelines-no-malloc): allocated by libsystemd
}

std::size_t JournaldSource::read_ready(const Sink& sink, std::size_t max_records) {
  if (journal_ == nullptr) return 0;
  Api& api = *api_;
  // Consumes the inotify events (the descriptor stays readable until this is called).
  if (int p = api.process(journal_); p < 0) {
    ++stats_.errors;
    stats_.last_error = "sd_journal_process: " + errno_text(-p);
  }
  const core::TimeNs now = wall_clock_now();
  std::size_t delivered = 0;
  bool at_end = false;
  bool moved = false;
  while (delivered < max_records) {
    int r = api.next(journal_);
    if (r < 0) {
      ++stats_.errors;
      stats_.last_error = "sd_journal_next: " + errno_text(-r);
      at_end = true;
      break;
    }
    if (r == 0) {
      at_end = true;
      break;
    }
    moved = true;
    if (!skip_cursor_.empty()) {
      bool same = api.test_cursor(journal_, skip_cursor_.c_str()) > 0;
      skip_cursor_.clear();
      if (same) continue;  // the checkpointed entry itself was delivered before the restart
    }
    // get_data's pointer is valid only until the next get_data call: copy as we go.
    auto copy = [&](const char* name, std::string& out) {
      const void* d = nullptr;
      std::size_t len = 0;
      out.clear();
      if (api.get_data(journal_, name, &d, &len) < 0) return false;
      out.assign(strip_field(d, len, name));
      return true;
    };
    Api::Fields& f = api.fields;
    if (!copy("MESSAGE", f.message)) {
      ++without_message_;
      continue;
    }
    copy("_HOSTNAME", f.hostname);
    copy("SYSLOG_IDENTIFIER", f.identifier);
    copy("_COMM", f.comm);
    copy("SYSLOG_PID", f.syslog_pid);
    copy("_PID", f.pid);
    JournalEntry e;
    std::uint64_t usec = 0;
    if (api.get_realtime(journal_, &usec) >= 0) e.realtime_usec = usec;
    e.hostname = f.hostname;
    e.identifier = f.identifier;
    e.comm = f.comm;
    e.syslog_pid = f.syslog_pid;
    e.pid = f.pid;
    e.message = f.message;
    line_.clear();
    model::Record rec;
    rec.truncated = append_journal_json(line_, e, max_message_);
    if (rec.truncated) ++stats_.truncated;
    rec.bytes = line_;
    rec.origin = name_;
    rec.source_id = source_id_;
    rec.line_no = ++stats_.records;
    rec.offset = stats_.bytes;
    rec.received = now;
    stats_.bytes += line_.size();
    sink(rec);
    ++delivered;
  }
  if (moved) update_cursor();
  // Entries left because of max_records: be called again without a new inotify event.
  ready_.set_pending(!at_end);
  return delivered;
}

}  // namespace bannin::source
