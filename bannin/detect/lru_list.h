// LruList: an intrusive doubly linked list of objects that already live in a container
// whose entries never move (a KeyTable's pool, std::unordered_map values). The detector keeps one
// per rule over its groups, one per campaign group over its members and one per rule over
// its spare marks, each in the order the entries were last touched — which, as events come
// in time order, is also the order of their timestamps. So the stalest entry is always at
// the front: expiring everything older than a window pops from the front until an entry is
// fresh (amortised O(1) per event, each entry is popped once), and a full table evicts its
// front in O(1), where a scan of the map would be O(entries) per event.
//
// The list owns nothing: erasing an entry from its map must unlink it first. Not thread-safe;
// owned by the detector's RuleState (one pipeline thread).
#pragma once

#include <cstddef>

namespace bannin::detect {

template <typename T>
struct LruHook {
  T* prev = nullptr;
  T* next = nullptr;
};

/// T has a member `LruHook<T> hook`.
template <typename T>
class LruList {
 public:
  LruList() = default;
  LruList(const LruList&) = delete;
  LruList& operator=(const LruList&) = delete;
  LruList(LruList&& o) noexcept : head_(o.head_), tail_(o.tail_), size_(o.size_) { o.reset(); }
  LruList& operator=(LruList&& o) noexcept {
    head_ = o.head_;
    tail_ = o.tail_;
    size_ = o.size_;
    o.reset();
    return *this;
  }

  [[nodiscard]] T* front() const noexcept { return head_; }
  [[nodiscard]] T* back() const noexcept { return tail_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

  void push_back(T& x) noexcept {
    x.hook.prev = tail_;
    x.hook.next = nullptr;
    if (tail_ != nullptr) {
      tail_->hook.next = &x;
    } else {
      head_ = &x;
    }
    tail_ = &x;
    ++size_;
  }
  void erase(T& x) noexcept {
    if (x.hook.prev != nullptr) {
      x.hook.prev->hook.next = x.hook.next;
    } else {
      head_ = x.hook.next;
    }
    if (x.hook.next != nullptr) {
      x.hook.next->hook.prev = x.hook.prev;
    } else {
      tail_ = x.hook.prev;
    }
    x.hook = {};
    --size_;
  }
  /// Marks x as the most recently touched entry.
  void move_to_back(T& x) noexcept {
    if (tail_ == &x) return;
    erase(x);
    push_back(x);
  }
  /// Forgets every entry (their map is being cleared or moved away).
  void reset() noexcept {
    head_ = nullptr;
    tail_ = nullptr;
    size_ = 0;
  }

 private:
  T* head_ = nullptr;
  T* tail_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace bannin::detect
