#pragma once
// HOST commands per client address in a sliding window (host_policy
// max_attempts_per_client per attempt_window): a client cannot use the
// proxy to scan the servers the policy allows, nor make it resolve names
// without end. One table for the process, under one mutex; no I/O (the
// caller passes the time).

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace opes::proxy {

class HostAttempts {
 public:
  using Clock = std::chrono::steady_clock;
  HostAttempts(std::size_t max_per_client, std::chrono::seconds window)
      : max_(max_per_client), window_(window) {}
  HostAttempts(const HostAttempts&) = delete;
  HostAttempts& operator=(const HostAttempts&) = delete;

  /// Counts one attempt of `client_address` (keyed by client_key()); false
  /// when the client already made max_per_client in the window (then it is
  /// not counted). max_per_client 0: always true.
  bool try_attempt(std::string_view client_address, Clock::time_point now);

  /// Client keys in the table (those with attempts in the last window, at
  /// most, once a sweep has run).
  std::size_t clients() const;

 private:
  std::size_t max_;
  std::chrono::seconds window_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::deque<Clock::time_point>> attempts_;
  Clock::time_point last_sweep_{};
};

}  // namespace opes::proxy
