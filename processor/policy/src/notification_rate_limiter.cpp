#include "opes/processor/notification_rate_limiter.hpp"

namespace opes::processor {

NotificationRateLimiter::Verdict NotificationRateLimiter::admit(std::string_view sender,
                                                                RateClock::time_point now) {
  if (!window_open_ || now - window_start_ >= limits_.window || now < window_start_) {
    // A new window (a clock that went back counts as one too).
    window_open_ = true;
    window_start_ = now;
    sent_ = 0;
    per_sender_.clear();
  }
  if (sent_ >= limits_.total) return Verdict::total_limit;
  std::string key(sender);
  for (char& c : key) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  const auto found = per_sender_.find(key);
  const std::size_t already = found == per_sender_.end() ? 0 : found->second;
  if (already >= limits_.per_sender) return Verdict::sender_limit;
  per_sender_[std::move(key)] = already + 1;
  ++sent_;
  return Verdict::admitted;
}

}  // namespace opes::processor
