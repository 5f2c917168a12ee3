// Quarantine of planted files, reversible (stage: act; INCIDENTS S5, issue 17). Two methods:
//
//   chmod  the host's established practice: the file stays where it is with mode 000, so the
//          web server can no longer read or run it (the owner cannot either, but root can
//          still look at it). Restore puts the old mode back.
//   move   the file is moved into bannin's quarantine directory (0700, root's), named by its
//          SHA-256, with mode 000. Restore moves it back to its path.
//
// What is recorded (QuarantineEntry; the store keeps it, table `quarantine`): path, where
// the bytes are now, old mode, owner and group, size, mtime, SHA-256, time, reason and
// origin. Restore checks that the bytes are still the ones quarantined (SHA-256) and puts
// back mode, owner, group and mtime, so a restored file is byte-identical and looks as
// before. Purge deletes the quarantined bytes for good.
//
// Only regular files, never through a symbolic link (O_NOFOLLOW everywhere: a planted link
// must not make bannin chmod /etc/passwd). The functions are synchronous and hold no state;
// the caller (the quarantine actuator on the daemon's act thread, or `bannin quarantine`)
// records the results in the store. They never throw; every failure is an Error with a code:
// not_regular, not_found, io, changed (the bytes differ from the record), occupied (restore:
// something else is at the path now), bad_entry.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <bannin/core/result.h>
#include <bannin/core/time.h>

namespace bannin::act::quarantine {

enum class Method { Chmod, Move };
std::string_view method_name(Method m) noexcept;  ///< "chmod" | "move"
/// "chmod" / "move" -> Method; false when neither.
bool parse_method(std::string_view text, Method& out) noexcept;

struct Entry {
  std::int64_t id = 0;      ///< the store's row id (0 until stored)
  std::string path;         ///< where the file was (and is again after a restore)
  std::string stored_path;  ///< where the bytes are now: `path` (chmod) or in the directory
  Method method = Method::Chmod;
  std::uint32_t old_mode = 0;  ///< st_mode & 07777 before
  std::int64_t uid = 0, gid = 0;
  std::int64_t size = 0;
  core::TimeNs mtime = 0;
  std::string sha256;                 ///< lower-case hex
  core::TimeNs ts = 0;                ///< when it was quarantined
  std::string reason;                 ///< for people: why
  std::string origin;                 ///< rule id, or "person" (the CLI)
  std::int64_t decision_id = 0;       ///< the decision that ordered it (0 = none)
  std::string state = "quarantined";  ///< quarantined | restored | purged
};

/// Quarantines the regular file at `path`. `dir` is the quarantine directory (method move;
/// created 0700 when missing). `ts` is the time to record. Returns the entry to store.
core::Result<Entry> quarantine_file(const std::string& path, Method method, const std::string& dir,
                                    core::TimeNs ts);
/// Undoes `e` (state quarantined): checks the bytes, puts them back with mode, owner, group
/// and mtime.
core::Result<bool> restore_file(const Entry& e);
/// Deletes the quarantined bytes of `e` (state quarantined). A chmod-quarantined file is
/// removed from its path; a moved one from the quarantine directory. Checks the bytes first
/// (a file that changed since is not bannin's to delete: error "changed").
core::Result<bool> purge_file(const Entry& e);

/// Lower-case hex SHA-256 of the file open at `fd` (read from its start), or an io error.
core::Result<std::string> sha256_of_fd(int fd);
/// The same for a regular file at `path` (no link followed); "" when it cannot be read.
std::string sha256_of_path(const std::string& path);

}  // namespace bannin::act::quarantine
