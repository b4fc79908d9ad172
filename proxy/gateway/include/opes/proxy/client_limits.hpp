#pragma once
// Per-client concurrency limits, as Postfix's anvil(8) keeps them: how many
// sessions and how many open mail transactions each client address has at
// once, so that one client cannot take the capacity every client shares
// (the callout connections' transactions, the session slots).
//
// One table for the whole process, shared by the per-thread io_contexts:
// every count changes under one mutex, and a count is held by a Lease that
// gives it back when destroyed, so no path of a session (refusal, RSET,
// timeout, lost client, shutdown) can leak one. No I/O.

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace opes::proxy {

struct ClientLimitSettings {
  std::size_t max_sessions = 20;      // per client address; 0: no limit
  std::size_t max_transactions = 10;  // open MAIL transactions per address; 0: no limit
};

/// The key a client is counted under: an IPv4 address as it is, an IPv6
/// address by its /64 (one subscriber line gets a /64, RFC 6177 §3), an
/// IPv4-mapped IPv6 address as the IPv4 address. Text that is no address
/// is its own key.
std::string client_key(std::string_view address);

class ClientLimits {
 public:
  enum class Kind { session, transaction };

  /// One counted session or transaction; the count drops when it goes.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    bool held() const { return owner_ != nullptr; }

   private:
    friend class ClientLimits;
    Lease(ClientLimits* owner, std::string key, Kind kind)
        : owner_(owner), key_(std::move(key)), kind_(kind) {}
    void release();
    ClientLimits* owner_ = nullptr;
    std::string key_;
    Kind kind_ = Kind::session;
  };

  explicit ClientLimits(ClientLimitSettings settings) : settings_(settings) {}
  ClientLimits(const ClientLimits&) = delete;
  ClientLimits& operator=(const ClientLimits&) = delete;

  /// A lease when `address` is below its limit of `kind`; nullopt when the
  /// limit is reached (nothing is counted then).
  std::optional<Lease> try_acquire(Kind kind, std::string_view address);

  /// The limit of `kind` (0: none), for the refusal's log line.
  std::size_t limit(Kind kind) const;
  /// What `address` holds now.
  std::size_t count(Kind kind, std::string_view address) const;
  /// Client keys with anything counted: at most one per open session, so
  /// the table is bounded by limits.max_sessions.
  std::size_t clients() const;

 private:
  struct Counts {
    std::size_t sessions = 0;
    std::size_t transactions = 0;
  };
  void release(const std::string& key, Kind kind);

  ClientLimitSettings settings_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Counts> table_;
};

}  // namespace opes::proxy
