// Whole small files of the daemon's own (state beside the store: KPI series, learned
// baselines): read at start, written atomically (temp file in the same directory, fsync,
// rename) so a crash leaves the old file or the new one, never half of one.
//
// Stage: core. Thread-safe (no shared state).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <bannin/core/result.h>

namespace bannin::core {

/// The bytes of `path`; nullopt when it does not exist; an error ("read_failed") naming the
/// path for anything else.
Result<std::optional<std::string>> read_small_file(const std::string& path);

/// Writes `bytes` to `path` through `path.tmp` + fsync + rename (mode 0640). On failure the
/// temp file is removed, the old file stays, and the error ("write_failed") names the file
/// and the system's reason.
Result<bool> write_file_atomic(const std::string& path, std::string_view bytes);

}  // namespace bannin::core
