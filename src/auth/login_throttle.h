// Failed-login throttling: a growing delay per remote IP and per account (DESIGN §7).
// Handles untrusted input: IPs and account names chosen by clients; memory stays
// bounded by max_entries. Thread-safe. Time is passed in, so tests need no clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace postamt::auth {

class LoginThrottle {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  static constexpr uint32_t kFreeFailures = 2;  // no delay for the first two failures
  static constexpr std::chrono::milliseconds kFirstDelay{1000};
  static constexpr std::chrono::milliseconds kMaxDelay{15000};
  static constexpr std::chrono::minutes kDecay{15};  // quiet this long: counter forgotten

  explicit LoginThrottle(size_t max_entries = 100000);

  // How long to wait before answering the next login attempt: the larger of the IP's
  // and the account's delay. Empty ip/account are not tracked.
  std::chrono::milliseconds delay(std::string_view ip, std::string_view account, TimePoint now);
  void record_failure(std::string_view ip, std::string_view account, TimePoint now);
  // Clears the account's counter only: a correct password must not whitewash an IP
  // that is guessing other accounts.
  void record_success(std::string_view ip, std::string_view account, TimePoint now);

  size_t size() const;  // tracked keys, for tests and metrics

 private:
  struct Entry {
    uint32_t failures = 0;
    TimePoint last_failure;
    std::list<std::string>::iterator lru;  // position in lru_ (front = oldest)
  };

  std::chrono::milliseconds delay_for(const std::string& key, TimePoint now) const;
  void fail(std::string key, TimePoint now);

  const size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;
};

}  // namespace postamt::auth
