#include "opes/proxy/host_attempts.hpp"

#include "opes/proxy/client_limits.hpp"

namespace opes::proxy {

bool HostAttempts::try_attempt(std::string_view client_address, Clock::time_point now) {
  if (max_ == 0) return true;
  const auto window_start = now - window_;
  std::lock_guard lock(mutex_);
  // Once a window, drop the clients with no attempt left in it: without
  // this, every address that ever tried would keep an entry.
  if (now - last_sweep_ >= window_) {
    for (auto it = attempts_.begin(); it != attempts_.end();) {
      if (it->second.empty() || it->second.back() <= window_start) it = attempts_.erase(it);
      else ++it;
    }
    last_sweep_ = now;
  }
  auto& times = attempts_[client_key(client_address)];
  while (!times.empty() && times.front() <= window_start) times.pop_front();
  if (times.size() >= max_) return false;
  times.push_back(now);
  return true;
}

std::size_t HostAttempts::clients() const {
  std::lock_guard lock(mutex_);
  return attempts_.size();
}

}  // namespace opes::proxy
