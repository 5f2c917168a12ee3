#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <zlib.h>

#include <bannin/app/flight_recorder.h>
#include <bannin/core/json_writer.h>

namespace bannin::app {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kHeader = sizeof(core::TimeNs) + sizeof(std::uint32_t);
constexpr const char* kPrefix = "record-";
constexpr const char* kSuffix = ".txt.gz";

// "rule web.form_relay" -> "rule_web.form_relay": letters, digits, . _ - only, 60 at most.
std::string sanitise(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (out.size() >= 60) break;
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    out += ok ? c : '_';
  }
  return out.empty() ? std::string("freeze") : out;
}

std::string compact_time(core::TimeNs t) {
  // 2026-12-08T10:15:00.123456789Z -> 20261208T101500Z
  std::string r = core::format_rfc3339(t);
  std::string out;
  for (char c : r.substr(0, 19)) {
    if (c != '-' && c != ':') out += c;
  }
  return out + "Z";
}

}  // namespace

LineRing::LineRing(std::size_t capacity) : buf_(std::max<std::size_t>(capacity, 64)) {}

void LineRing::write(const void* p, std::size_t n) {
  const auto* c = static_cast<const char*>(p);
  std::size_t at = (head_ + used_) % buf_.size();
  const std::size_t first = std::min(n, buf_.size() - at);
  std::memcpy(buf_.data() + at, c, first);
  if (n > first) std::memcpy(buf_.data(), c + first, n - first);
  used_ += n;
}

void LineRing::read(std::size_t at, void* p, std::size_t n) const {
  auto* c = static_cast<char*>(p);
  const std::size_t first = std::min(n, buf_.size() - at);
  std::memcpy(c, buf_.data() + at, first);
  if (n > first) std::memcpy(c + first, buf_.data(), n - first);
}

void LineRing::drop_oldest() {
  std::uint32_t len = 0;
  read((head_ + sizeof(core::TimeNs)) % buf_.size(), &len, sizeof len);
  const std::size_t n = kHeader + len;
  head_ = (head_ + n) % buf_.size();
  used_ -= n;
  --records_;
  ++evicted_;
}

void LineRing::push(core::TimeNs ts, std::string_view line) {
  // A line longer than a quarter of the ring is cut (it would push out everything else).
  const std::size_t max_line = buf_.size() / 4 > kHeader ? buf_.size() / 4 - kHeader : 0;
  if (line.size() > max_line) line = line.substr(0, max_line);
  const std::size_t n = kHeader + line.size();
  while (records_ > 0 && buf_.size() - used_ < n) drop_oldest();
  const auto len = static_cast<std::uint32_t>(line.size());
  write(&ts, sizeof ts);
  write(&len, sizeof len);
  if (!line.empty()) write(line.data(), line.size());
  ++records_;
}

FlightRecorder::FlightRecorder(RecorderConfig cfg, std::string dir)
    : cfg_(cfg), dir_(std::move(dir)), kpi_(std::max<std::size_t>(cfg.kpi_samples, 1) * 2048) {}

void FlightRecorder::add_lines(std::uint32_t stream, std::string_view origin, std::string_view data,
                               const std::vector<std::uint32_t>& ends, core::TimeNs now) {
  std::lock_guard lock(mu_);
  if (sources_.size() <= stream) {
    if (stream >= 4096) {  // stream ids are small and dense; anything else is a bug upstream
      refused_lines_ += ends.size();
      return;
    }
    sources_.resize(stream + 1);
  }
  auto& src = sources_[stream];
  if (!src) {
    if (source_count_ >= cfg_.max_sources) {
      refused_lines_ += ends.size();
      return;
    }
    src = std::unique_ptr<Source>(
        new Source{std::string(origin), LineRing(cfg_.bytes_per_source), 0});
    ++source_count_;
  }
  std::uint32_t start = 0;
  for (std::uint32_t end : ends) {
    if (end < start || end > data.size()) break;
    std::string_view line = data.substr(start, end - start);
    start = end;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    src->ring.push(now, line);
    ++src->lines;
  }
}

void FlightRecorder::add_kpi(core::TimeNs ts, std::string_view json_line) {
  std::lock_guard lock(mu_);
  kpi_.push(ts, json_line);
}

core::Result<FrozenFile> FlightRecorder::freeze_for_rule(core::TimeNs now,
                                                         const std::string& rule) {
  {
    std::lock_guard lock(mu_);
    auto it = last_rule_freeze_.find(rule);
    if (it != last_rule_freeze_.end() && now - it->second < cfg_.min_interval) {
      ++too_soon_;
      return core::make_error("too_soon", "rule " + rule + " froze the recorder less than " +
                                              std::to_string(cfg_.min_interval / core::kNsPerSec) +
                                              " s ago");
    }
    last_rule_freeze_[rule] = now;
  }
  return freeze(now, "rule " + rule);
}

core::Result<FrozenFile> FlightRecorder::freeze(core::TimeNs now, const std::string& reason) {
  std::lock_guard one(freeze_mu_);
  // Copy under the lock: text, then compress and write without it.
  FrozenFile f;
  f.ts = now;
  f.reason = reason;
  std::string text = "# bannin flight recorder\n# frozen " + core::format_rfc3339(now) +
                     "\n# reason " + reason + "\n";
  {
    std::lock_guard lock(mu_);
    for (const auto& s : sources_) {
      if (!s) continue;
      text += "## source " + s->origin + " (" + std::to_string(s->ring.records()) +
              " lines kept, " + std::to_string(s->ring.evicted()) + " older ones not)\n";
      s->ring.for_each([&](core::TimeNs ts, std::string_view line) {
        text += core::format_rfc3339(ts);
        text += '\t';
        text += line;
        text += '\n';
        ++f.lines;
      });
    }
    text += "## kpi (" + std::to_string(kpi_.records()) + " samples)\n";
    kpi_.for_each([&](core::TimeNs ts, std::string_view line) {
      text += core::format_rfc3339(ts);
      text += '\t';
      text += line;
      text += '\n';
      ++f.samples;
    });
  }
  std::error_code ec;
  fs::create_directories(dir_, ec);
  f.name = std::string(kPrefix) + compact_time(now) + "-" + sanitise(reason);
  // Two freezes in one second get distinct names.
  std::string base = f.name;
  for (int i = 2; fs::exists(dir_ + "/" + f.name + kSuffix, ec) && i < 1000; ++i) {
    f.name = base + "-" + std::to_string(i);
  }
  f.name += kSuffix;
  f.path = dir_ + "/" + f.name;
  const std::string tmp = f.path + ".tmp";
  std::string problem;
  gzFile gz = gzopen(tmp.c_str(), "wb6");
  if (gz == nullptr) {
    problem = tmp + ": " + std::strerror(errno);
  } else {
    std::size_t done = 0;
    while (done < text.size()) {
      const auto chunk = static_cast<unsigned>(std::min<std::size_t>(text.size() - done, 1 << 20));
      const int n = gzwrite(gz, text.data() + done, chunk);
      if (n <= 0) {
        int err = 0;
        problem = tmp + ": " + gzerror(gz, &err);
        break;
      }
      done += static_cast<std::size_t>(n);
    }
    if (gzclose(gz) != Z_OK && problem.empty()) problem = tmp + ": write failed at close";
    if (problem.empty()) {
      fs::rename(tmp, f.path, ec);
      if (ec) problem = f.path + ": " + ec.message();
    }
    if (!problem.empty()) fs::remove(tmp, ec);
  }
  if (!problem.empty()) {
    std::lock_guard lock(mu_);
    ++freeze_errors_;
    last_error_ = problem;
    return core::make_error("storage", "flight recorder: " + problem);
  }
  f.bytes = fs::file_size(f.path, ec);
  {
    std::lock_guard lock(mu_);
    ++freezes_;
    last_file_ = f.path;
  }
  prune(now);
  return f;
}

std::vector<FrozenFile> FlightRecorder::list() const {
  std::vector<FrozenFile> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(kPrefix, 0) != 0 || name.size() < std::strlen(kSuffix) ||
        name.compare(name.size() - std::strlen(kSuffix), std::strlen(kSuffix), kSuffix) != 0) {
      continue;
    }
    FrozenFile f;
    f.name = name;
    f.path = it->path().string();
    std::error_code e2;
    f.bytes = fs::file_size(it->path(), e2);
    const auto mtime = fs::last_write_time(it->path(), e2);
    f.ts = std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::file_clock::to_sys(mtime).time_since_epoch())
               .count();
    out.push_back(std::move(f));
  }
  // Names start with the freeze time: newest first.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name > b.name; });
  return out;
}

void FlightRecorder::prune(core::TimeNs now) {
  auto files = list();
  std::error_code ec;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const bool too_many = cfg_.keep > 0 && i >= cfg_.keep;
    const bool too_old = cfg_.keep_age > 0 && now - files[i].ts > cfg_.keep_age;
    if (too_many || too_old) fs::remove(files[i].path, ec);
  }
}

std::string FlightRecorder::status_json() const {
  std::lock_guard lock(mu_);
  std::string out;
  core::JsonObjectWriter o(out);
  o.boolean("enabled", true);
  o.string("dir", dir_);
  o.integer("bytes_per_source", static_cast<std::int64_t>(cfg_.bytes_per_source));
  o.key("sources");
  out += '[';
  bool first = true;
  std::size_t bytes = 0;
  for (const auto& s : sources_) {
    if (!s) continue;
    if (!first) out += ',';
    first = false;
    core::JsonObjectWriter j(out);
    j.string("origin", s->origin);
    j.integer("kept", static_cast<std::int64_t>(s->ring.records()));
    j.integer("evicted", static_cast<std::int64_t>(s->ring.evicted()));
    j.integer("lines", static_cast<std::int64_t>(s->lines));
    j.close();
    bytes += s->ring.bytes();
  }
  out += ']';
  o.integer("kpi_samples", static_cast<std::int64_t>(kpi_.records()));
  o.integer("bytes", static_cast<std::int64_t>(bytes + kpi_.bytes()));
  o.integer("refused_lines", static_cast<std::int64_t>(refused_lines_));
  o.integer("freezes", static_cast<std::int64_t>(freezes_));
  o.integer("freeze_errors", static_cast<std::int64_t>(freeze_errors_));
  o.integer("too_soon", static_cast<std::int64_t>(too_soon_));
  if (!last_error_.empty()) o.string("last_error", last_error_);
  if (!last_file_.empty()) o.string("last_file", last_file_);
  o.close();
  return out;
}

core::Result<std::string> read_frozen(const std::string& path, std::size_t max_bytes) {
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) return core::make_error("not_found", path + ": " + std::strerror(errno));
  std::string out;
  char buf[65536];
  for (;;) {
    const int n = gzread(gz, buf, sizeof buf);
    if (n < 0) {
      int err = 0;
      std::string msg = path + ": " + gzerror(gz, &err);
      gzclose(gz);
      return core::make_error("bad_file", msg);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > max_bytes) {
      gzclose(gz);
      return core::make_error(
          "too_big", path + ": more than " + std::to_string(max_bytes) + " bytes uncompressed");
    }
  }
  gzclose(gz);
  return out;
}

}  // namespace bannin::app
