#include "opes/proxy/delivery_cache.hpp"

#include <iterator>

namespace opes::proxy {

std::unique_ptr<Delivery> DeliveryCache::take(std::string_view destination) {
  expire();
  // Newest first: the most recently used connection is the likeliest alive.
  for (auto idle = idle_.rbegin(); idle != idle_.rend(); ++idle) {
    if (idle->destination != destination) continue;
    std::unique_ptr<Delivery> delivery = std::move(idle->delivery);
    idle_.erase(std::next(idle).base());
    delivery->prepare_reuse();
    return delivery;
  }
  return nullptr;
}

std::unique_ptr<Delivery> DeliveryCache::give(std::string destination, std::unique_ptr<Delivery> delivery) {
  expire();
  if (closed_ || !delivery || !delivery->reusable() || idle_.size() >= max_idle_) return delivery;
  idle_.push_back({std::move(destination), std::move(delivery), std::chrono::steady_clock::now()});
  return nullptr;
}

void DeliveryCache::close() {
  closed_ = true;
  for (Idle& idle : idle_) idle.delivery->abort();
  idle_.clear();
}

void DeliveryCache::expire() {
  const auto now = std::chrono::steady_clock::now();
  // Oldest first: the front ages out first.
  std::size_t old = 0;
  while (old < idle_.size() && now - idle_[old].since > max_age_) idle_[old++].delivery->abort();
  idle_.erase(idle_.begin(), idle_.begin() + static_cast<std::ptrdiff_t>(old));
}

}  // namespace opes::proxy
