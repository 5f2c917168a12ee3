// StoreWriter: the writer thread (store.h). Rows from the pipeline wait in a bounded queue and
// are committed in batches, or at checkpoints so a checkpoint commits with the findings of the
// lines before it; a failed transaction (disk full, busy) is kept and retried with backoff.
#include <algorithm>

#include <bannin/store/store.h>

namespace bannin::store {

namespace {
WriterOptions batch_options(std::size_t capacity, std::size_t batch) {
  WriterOptions o;
  o.capacity = capacity;
  o.batch = batch;
  return o;
}
}  // namespace

StoreWriter::StoreWriter(std::unique_ptr<Store> store, std::size_t capacity, std::size_t batch)
    : StoreWriter(std::move(store), batch_options(capacity, batch)) {}

StoreWriter::StoreWriter(std::unique_ptr<Store> store, const WriterOptions& options)
    : store_(std::move(store)), options_(options) {
  options_.capacity = std::max<std::size_t>(options_.capacity, 1);
  options_.batch = std::max<std::size_t>(options_.batch, 1);
  options_.retry_initial = std::max(options_.retry_initial, std::chrono::milliseconds(1));
  options_.retry_max = std::max(options_.retry_max, options_.retry_initial);
  thread_ = std::thread([this] { run(); });
}

StoreWriter::~StoreWriter() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool StoreWriter::push(Item item) {
  bool checkpoint = std::holds_alternative<CheckpointRow>(item);
  {
    std::lock_guard lk(mu_);
    if (pushed_ - done_ >= options_.capacity) {
      ++dropped_;
      return false;
    }
    queue_.push_back(std::move(item));
    ++pushed_;
    if (checkpoint) last_checkpoint_ = pushed_;
  }
  cv_.notify_one();
  return true;
}

bool StoreWriter::push_wait(Item item, std::chrono::milliseconds max_wait) {
  bool checkpoint = std::holds_alternative<CheckpointRow>(item);
  {
    std::unique_lock lk(mu_);
    if (!done_cv_.wait_for(lk, max_wait, [&] { return pushed_ - done_ < options_.capacity; })) {
      ++dropped_;
      return false;
    }
    queue_.push_back(std::move(item));
    ++pushed_;
    if (checkpoint) last_checkpoint_ = pushed_;
  }
  cv_.notify_one();
  return true;
}

bool StoreWriter::flush() {
  std::unique_lock lk(mu_);
  std::uint64_t target = pushed_, failures = retries_;
  flush_to_ = std::max(flush_to_, target);
  retry_now_ = true;
  cv_.notify_one();
  done_cv_.wait(lk, [&] { return done_ >= target || retries_ > failures; });
  return done_ >= target;
}

bool StoreWriter::flush_for(std::chrono::milliseconds max_wait) {
  std::unique_lock lk(mu_);
  std::uint64_t target = pushed_, failures = retries_;
  flush_to_ = std::max(flush_to_, target);
  retry_now_ = true;
  cv_.notify_one();
  done_cv_.wait_for(lk, max_wait, [&] { return done_ >= target || retries_ > failures; });
  return done_ >= target;
}

void StoreWriter::set_commit_at_checkpoints(bool on) {
  {
    std::lock_guard lk(mu_);
    options_.commit_at_checkpoints = on;
  }
  cv_.notify_one();
}

void StoreWriter::set_size_limit(std::uint64_t bytes) {
  {
    std::lock_guard lk(mu_);
    size_limit_ = bytes;
    retry_now_ = true;
  }
  cv_.notify_one();
}

std::size_t StoreWriter::depth() const {
  std::lock_guard lk(mu_);
  return static_cast<std::size_t>(pushed_ - done_);
}
std::uint64_t StoreWriter::written() const {
  std::lock_guard lk(mu_);
  return written_;
}
std::uint64_t StoreWriter::dropped() const {
  std::lock_guard lk(mu_);
  return dropped_;
}
std::uint64_t StoreWriter::failed() const {
  std::lock_guard lk(mu_);
  return failed_;
}
std::uint64_t StoreWriter::retries() const {
  std::lock_guard lk(mu_);
  return retries_;
}
std::uint64_t StoreWriter::commits() const {
  std::lock_guard lk(mu_);
  return commits_;
}
std::uint64_t StoreWriter::early_commits() const {
  std::lock_guard lk(mu_);
  return early_commits_;
}
bool StoreWriter::healthy() const {
  std::lock_guard lk(mu_);
  return healthy_;
}
std::string StoreWriter::last_error() const {
  std::lock_guard lk(mu_);
  return last_error_;
}

// How many queued items the next transaction takes (0 = wait). Batch mode: up to `batch`.
// Checkpoint mode: everything up to the last queued checkpoint, or up to what flush() asked
// for, or everything when stopping or when `capacity` items wait with no checkpoint (early).
std::size_t StoreWriter::take_count_locked(bool& early) const {
  early = false;
  std::size_t avail = queue_.size();
  if (!options_.commit_at_checkpoints) return std::min(avail, options_.batch);
  std::uint64_t limit = std::max(last_checkpoint_, flush_to_);
  if (stop_) limit = pushed_;
  if (limit <= taken_ && avail >= options_.capacity) {
    early = true;
    limit = pushed_;
  }
  return limit > taken_ ? static_cast<std::size_t>(limit - taken_) : 0;
}

bool StoreWriter::ready_locked() const {
  if (queue_.empty()) return false;
  bool early = false;
  return take_count_locked(early) > 0;
}

StoreWriter::Attempt StoreWriter::write_batch(std::vector<Item>& batch) {
  Attempt a;
  try {
    if (auto r = store_->begin(); !r) {
      store_->rollback();
      a.error = "begin: " + r.error().message;
      return a;
    }
    for (const Item& it : batch) {
      std::optional<core::Error> err = std::visit(
          [&](const auto& row) -> std::optional<core::Error> {
            using T = std::decay_t<decltype(row)>;
            auto keep = [](const auto& r) -> std::optional<core::Error> {
              if (r) return std::nullopt;
              return r.error();
            };
            if constexpr (std::is_same_v<T, FindingRow>) {
              return keep(store_->add_finding(row));
            } else if constexpr (std::is_same_v<T, DecisionRow>) {
              return keep(store_->add_decision(row));
            } else if constexpr (std::is_same_v<T, StateChange>) {
              return keep(store_->change_state(row));
            } else if constexpr (std::is_same_v<T, ActionRow>) {
              return keep(store_->add_action(row));
            } else if constexpr (std::is_same_v<T, DomainCheckRow>) {
              return keep(store_->save_domain_check(row));
            } else if constexpr (std::is_same_v<T, DomainChangeRow>) {
              return keep(store_->add_domain_change(row));
            } else if constexpr (std::is_same_v<T, NoticeDeliveryRow>) {
              return keep(store_->add_notice_delivery(row));
            } else if (row.source.empty()) {
              return std::nullopt;  // a commit point only (rows not bound to source lines)
            } else {
              return keep(store_->save_checkpoint(row));
            }
          },
          it);
      if (!err) {
        ++a.written;
        continue;
      }
      if (err->code == "storage") {  // the whole transaction is lost: retry it all later
        store_->rollback();
        return Attempt{false, 0, 0, err->message};
      }
      ++a.refused;  // this row alone; the rest of the batch still commits
      a.error = err->message;
    }
    if (auto r = store_->commit(); !r) {
      store_->rollback();
      return Attempt{false, 0, 0, "commit: " + r.error().message};
    }
    a.ok = true;
  } catch (const std::exception& e) {  // a worker loop survives anything (STYLE §3)
    store_->rollback();
    return Attempt{false, 0, 0, e.what()};
  }
  return a;
}

void StoreWriter::run() {
  std::vector<Item> batch;  // taken from the queue, kept until committed
  auto backoff = options_.retry_initial;
  while (true) {
    std::optional<std::uint64_t> limit;
    bool stopping = false;
    {
      std::unique_lock lk(mu_);
      if (batch.empty()) {
        cv_.wait(lk, [&] { return stop_ || size_limit_.has_value() || ready_locked(); });
        if (stop_ && queue_.empty() && !size_limit_) return;
        bool early = false;
        std::size_t n = take_count_locked(early);
        batch.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        taken_ += n;
        if (early && n > 0) ++early_commits_;
      }
      limit.swap(size_limit_);
      stopping = stop_;
      retry_now_ = false;  // this attempt is the one asked for
    }
    if (limit) {
      if (auto r = store_->set_size_limit(*limit); !r) {
        std::lock_guard lk(mu_);
        last_error_ = r.error().message;
      }
    }
    if (batch.empty()) continue;

    Attempt a = write_batch(batch);
    {
      std::lock_guard lk(mu_);
      if (a.ok) {
        written_ += a.written;
        failed_ += a.refused;
        done_ += batch.size();
        ++commits_;
        healthy_ = true;
        if (!a.error.empty()) last_error_ = a.error;
        batch.clear();
        backoff = options_.retry_initial;
      } else {
        ++retries_;
        healthy_ = false;
        last_error_ = a.error;
        if (stopping) {  // the last attempt at shutdown: count what is lost
          failed_ += batch.size();
          done_ += batch.size();
          last_error_ += " (" + std::to_string(batch.size()) + " items not stored at shutdown)";
          batch.clear();
        }
      }
    }
    done_cv_.notify_all();
    if (!a.ok && !stopping) {
      std::unique_lock lk(mu_);
      cv_.wait_for(lk, backoff, [&] { return stop_ || retry_now_; });
      backoff = std::min(backoff * 2, options_.retry_max);
    }
  }
}

}  // namespace bannin::store
