// A value that readers copy as an immutable snapshot while a writer (SIGHUP
// reload) may replace it from another thread.
#pragma once

#include <memory>
#include <mutex>

namespace postamt {

template <class T>
class Snapshot {
 public:
  explicit Snapshot(T initial) : v_(std::make_shared<const T>(std::move(initial))) {}
  std::shared_ptr<const T> get() const {
    std::lock_guard lock(mu_);
    return v_;
  }
  void set(T value) {
    auto fresh = std::make_shared<const T>(std::move(value));
    std::lock_guard lock(mu_);
    v_ = std::move(fresh);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const T> v_;
};

}  // namespace postamt
