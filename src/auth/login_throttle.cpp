// Failed-login throttling; see login_throttle.h. Schedule: no delay after 1-2
// failures, then 1 s, 2 s, 4 s, 8 s, capped at 15 s; forgotten after 15 quiet minutes.
// Handles untrusted input (client IPs and chosen account names).
#include "auth/login_throttle.h"

#include <algorithm>

#include "base/strings.h"

namespace postamt::auth {
namespace {

// Keys are bounded so max_entries bounds memory; real addresses are ≤ 254 octets.
constexpr size_t kMaxKeyPart = 320;

std::string ip_key(std::string_view ip) { return "i:" + std::string(ip.substr(0, kMaxKeyPart)); }

// Case-folded so "Alice@x" and "alice@x" share one counter.
std::string account_key(std::string_view account) {
  return "a:" + ascii_lowercase(account.substr(0, kMaxKeyPart));
}

}  // namespace

LoginThrottle::LoginThrottle(size_t max_entries) : max_entries_(std::max<size_t>(max_entries, 2)) {}

std::chrono::milliseconds LoginThrottle::delay_for(const std::string& key, TimePoint now) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::chrono::milliseconds{0};
  const Entry& e = it->second;
  if (now - e.last_failure >= kDecay || e.failures <= kFreeFailures) return std::chrono::milliseconds{0};
  uint32_t doublings = std::min<uint32_t>(e.failures - kFreeFailures - 1, 16);
  return std::min(kFirstDelay * (int64_t{1} << doublings), kMaxDelay);
}

std::chrono::milliseconds LoginThrottle::delay(std::string_view ip, std::string_view account, TimePoint now) {
  std::lock_guard lock(mutex_);
  std::chrono::milliseconds d{0};
  if (!ip.empty()) d = std::max(d, delay_for(ip_key(ip), now));
  if (!account.empty()) d = std::max(d, delay_for(account_key(account), now));
  return d;
}

void LoginThrottle::fail(std::string key, TimePoint now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_entries_) {  // evict the least recently failed key
      entries_.erase(lru_.front());
      lru_.pop_front();
    }
    lru_.push_back(key);
    it = entries_.emplace(std::move(key), Entry{0, now, std::prev(lru_.end())}).first;
  } else {
    lru_.splice(lru_.end(), lru_, it->second.lru);
  }
  Entry& e = it->second;
  if (now - e.last_failure >= kDecay) e.failures = 0;
  e.failures = std::min<uint32_t>(e.failures + 1, 1000);  // saturate: the delay is capped anyway
  e.last_failure = now;
}

void LoginThrottle::record_failure(std::string_view ip, std::string_view account, TimePoint now) {
  std::lock_guard lock(mutex_);
  if (!ip.empty()) fail(ip_key(ip), now);
  if (!account.empty()) fail(account_key(account), now);
}

void LoginThrottle::record_success(std::string_view, std::string_view account, TimePoint) {
  std::lock_guard lock(mutex_);
  if (account.empty()) return;
  auto it = entries_.find(account_key(account));
  if (it == entries_.end()) return;
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

size_t LoginThrottle::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace postamt::auth
