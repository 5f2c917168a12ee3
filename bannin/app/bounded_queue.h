// BoundedQueue: the queue between two daemon stages (ARCHITECTURE "Bounded everything").
// A fixed capacity; try_push() never blocks and counts what did not fit, push_wait() waits
// for room (bounded by a deadline or close()), pop_all() takes everything queued at once so
// the consumer can work in batches. Any thread may push; one thread pops. close() wakes
// everyone: pushes then fail, pops drain what is left and then return false.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

namespace bannin::app {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  /// Adds item when there is room; otherwise counts it as dropped and returns false.
  bool try_push(T item) {
    {
      std::lock_guard lock(mu_);
      if (closed_ || q_.size() >= capacity_) {
        dropped_.fetch_add(1, std::memory_order_relaxed);
        return false;
      }
      q_.push_back(std::move(item));
    }
    not_empty_.notify_one();
    return true;
  }

  /// Waits up to max_wait for room. Returns false (counted as dropped) on timeout or close.
  bool push_wait(T item, std::chrono::milliseconds max_wait) {
    {
      std::unique_lock lock(mu_);
      if (!not_full_.wait_for(lock, max_wait, [&] { return closed_ || q_.size() < capacity_; }) ||
          closed_) {
        dropped_.fetch_add(1, std::memory_order_relaxed);
        return false;
      }
      q_.push_back(std::move(item));
    }
    not_empty_.notify_one();
    return true;
  }

  /// Waits until there is room or the queue is closed (for sources that can wait: a file
  /// is its own buffer). Returns false only when closed.
  bool push_blocking(T item) {
    {
      std::unique_lock lock(mu_);
      not_full_.wait(lock, [&] { return closed_ || q_.size() < capacity_; });
      if (closed_) return false;
      q_.push_back(std::move(item));
    }
    not_empty_.notify_one();
    return true;
  }

  /// Moves everything queued into out (appending), waiting up to max_wait for the first
  /// item. Returns false when the queue is closed and empty.
  bool pop_all(std::vector<T>& out, std::chrono::milliseconds max_wait) {
    {
      std::unique_lock lock(mu_);
      not_empty_.wait_for(lock, max_wait, [&] { return closed_ || !q_.empty(); });
      if (q_.empty()) return !closed_;
      while (!q_.empty()) {
        out.push_back(std::move(q_.front()));
        q_.pop_front();
      }
    }
    not_full_.notify_all();
    return true;
  }

  /// Like pop_all, but at most max items.
  bool pop_some(std::vector<T>& out, std::size_t max, std::chrono::milliseconds max_wait) {
    {
      std::unique_lock lock(mu_);
      not_empty_.wait_for(lock, max_wait, [&] { return closed_ || !q_.empty(); });
      if (q_.empty()) return !closed_;
      for (std::size_t i = 0; i < max && !q_.empty(); ++i) {
        out.push_back(std::move(q_.front()));
        q_.pop_front();
      }
    }
    not_full_.notify_all();
    return true;
  }

  void close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  [[nodiscard]] std::size_t depth() const {
    std::lock_guard lock(mu_);
    return q_.size();
  }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::uint64_t dropped() const noexcept {
    return dropped_.load(std::memory_order_relaxed);
  }

 private:
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<T> q_;
  bool closed_ = false;
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace bannin::app
