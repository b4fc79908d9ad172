#pragma once
// How many opestrace notifications (draft-ietf-opes-smtp-00 §4.2) go out:
// at most `per_sender` to one envelope sender and `total` in all per time
// window, so that forged senders cannot turn the gateway into a source of
// mail to third parties (backscatter). Sans-I/O: the caller passes the time
// in and serialises calls.
//
// Fixed windows: every count starts again once `window` has passed since
// the window opened, so at most 2 x limit can go out across one window
// boundary. Memory is bounded: a sender is remembered only when one of its
// notifications was admitted, which happens at most `total` times per window.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace opes::processor {

using RateClock = std::chrono::steady_clock;

struct NotificationRateLimits {
  RateClock::duration window = std::chrono::hours(1);
  std::size_t per_sender = 5;  // 0: none to anyone
  std::size_t total = 100;     // 0: none at all

  friend bool operator==(const NotificationRateLimits&, const NotificationRateLimits&) = default;
};

class NotificationRateLimiter {
 public:
  enum class Verdict {
    admitted,
    sender_limit,  // this sender had per_sender in the window
    total_limit,   // the window had total
  };

  explicit NotificationRateLimiter(NotificationRateLimits limits) : limits_(limits) {}

  /// Counts a notification to `sender` at `now` when admitted. Senders are
  /// compared case-insensitively (US-ASCII), so that case changes do not
  /// open a new budget.
  Verdict admit(std::string_view sender, RateClock::time_point now);

  const NotificationRateLimits& limits() const noexcept { return limits_; }
  /// Senders remembered in the current window (at most `total`).
  std::size_t remembered() const noexcept { return per_sender_.size(); }

 private:
  NotificationRateLimits limits_;
  bool window_open_ = false;
  RateClock::time_point window_start_{};
  std::size_t sent_ = 0;
  std::unordered_map<std::string, std::size_t> per_sender_;
};

}  // namespace opes::processor
