#pragma once
// Connection caching for the upstream MTA, as Postfix's smtp client does:
// a session that ends leaves its idle upstream connection for the thread's
// next client session, which saves a TCP connect, greeting, EHLO and QUIT
// per message. Keyed by destination (config.hpp Routing): a connection to
// one upstream is never handed to a session delivering to another.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "opes/proxy/delivery.hpp"

namespace opes::proxy {

/// Idle upstream connections of one thread, oldest first, each under the
/// name of its destination. Not thread-safe: one per io_context. The
/// names are those of one configuration: a reload closes the cache of the
/// old one (config_generation.hpp).
class DeliveryCache {
 public:
  explicit DeliveryCache(std::size_t max_idle = 16,
                         std::chrono::steady_clock::duration max_age = std::chrono::seconds(5))
      : max_idle_(max_idle), max_age_(max_age) {}
  /// The newest cached connection to `destination` young enough, or null.
  std::unique_ptr<Delivery> take(std::string_view destination);
  /// Keeps `delivery` (a connection to `destination`) when reusable and
  /// there is room; otherwise gives it back (the caller says QUIT).
  std::unique_ptr<Delivery> give(std::string destination, std::unique_ptr<Delivery> delivery);
  /// Closes the connections idle longer than max_age.
  void expire();
  /// Shutting down: closes every idle connection and keeps no more.
  void close();
  std::size_t size() const { return idle_.size(); }

 private:
  struct Idle {
    std::string destination;
    std::unique_ptr<Delivery> delivery;
    std::chrono::steady_clock::time_point since;
  };
  std::size_t max_idle_;
  std::chrono::steady_clock::duration max_age_;
  std::vector<Idle> idle_;
  bool closed_ = false;
};

}  // namespace opes::proxy
