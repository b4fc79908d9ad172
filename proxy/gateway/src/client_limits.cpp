#include "opes/proxy/client_limits.hpp"

#include <boost/asio/ip/address.hpp>

#include <utility>

namespace opes::proxy {

std::string client_key(std::string_view address) {
  boost::system::error_code error;
  const auto parsed = boost::asio::ip::make_address(std::string(address), error);
  if (error) return std::string(address);
  if (parsed.is_v4()) return parsed.to_string();
  const auto v6 = parsed.to_v6();
  if (v6.is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
  auto bytes = v6.to_bytes();
  for (std::size_t i = 8; i < bytes.size(); ++i) bytes[i] = 0;
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

ClientLimits::Lease::Lease(Lease&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)),
      key_(std::move(other.key_)),
      kind_(other.kind_) {}

ClientLimits::Lease& ClientLimits::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::exchange(other.owner_, nullptr);
    key_ = std::move(other.key_);
    kind_ = other.kind_;
  }
  return *this;
}

ClientLimits::Lease::~Lease() { release(); }

void ClientLimits::Lease::release() {
  if (owner_) std::exchange(owner_, nullptr)->release(key_, kind_);
}

std::optional<ClientLimits::Lease> ClientLimits::try_acquire(Kind kind, std::string_view address) {
  std::string key = client_key(address);
  const std::size_t max = limit(kind);
  std::lock_guard lock(mutex_);
  Counts& counts = table_[key];
  std::size_t& held = kind == Kind::session ? counts.sessions : counts.transactions;
  if (max != 0 && held >= max) {
    if (counts.sessions == 0 && counts.transactions == 0) table_.erase(key);
    return std::nullopt;
  }
  ++held;
  return Lease(this, std::move(key), kind);
}

std::size_t ClientLimits::limit(Kind kind) const {
  return kind == Kind::session ? settings_.max_sessions : settings_.max_transactions;
}

std::size_t ClientLimits::count(Kind kind, std::string_view address) const {
  const std::string key = client_key(address);
  std::lock_guard lock(mutex_);
  const auto it = table_.find(key);
  if (it == table_.end()) return 0;
  return kind == Kind::session ? it->second.sessions : it->second.transactions;
}

std::size_t ClientLimits::clients() const {
  std::lock_guard lock(mutex_);
  return table_.size();
}

void ClientLimits::release(const std::string& key, Kind kind) {
  std::lock_guard lock(mutex_);
  const auto it = table_.find(key);
  if (it == table_.end()) return;  // not ours: cannot happen, but never underflow
  std::size_t& held = kind == Kind::session ? it->second.sessions : it->second.transactions;
  if (held > 0) --held;
  if (it->second.sessions == 0 && it->second.transactions == 0) table_.erase(it);
}

}  // namespace opes::proxy
