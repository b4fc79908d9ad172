#pragma once
// The hold queue of ODMR (RFC 2645): mail accepted for a customer's domains
// waits here until the customer asks for it with ATRN. A narrow store
// interface (enqueue, lease by domain, acknowledge, release, expire) so that
// a shared store (PostgreSQL) can follow the local directory store
// (directory_hold_store.hpp). Free of Asio: the enqueue's completion comes
// as a callback, on the store's own thread, and the caller posts it on.
//
// The guarantees a store gives:
// - an enqueue reports success only once the message and its records are
//   durable (the gateway's 250 waits for it);
// - a leased entry is given to no other lease until released (in memory: a
//   restart releases every lease);
// - acknowledge() returns only once the removal is durable, so after a
//   crash an acknowledged entry is never leased again; the window between
//   the customer's 250 and that return cannot be closed (RFC 1047), and is
//   one directory fsync long.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/expected.hpp"
#include "opes/queue/held_record.hpp"

namespace opes::queue {

/// A message before it is held: the envelope and origin for every domain
/// (each domain's recipients become one entry of their own: the split a
/// mail server makes by destination).
struct HeldMessage {
  std::string sender;
  std::string sender_dsn;
  std::vector<HeldRecipient> recipients;  // in one or more customer domains
  OriginFacts origin;
  std::string transaction;
  Clock::time_point received = Clock::now();
};

/// The ids of the entries made, one per domain; or why nothing was held.
using EnqueueResult = ocp::Expected<std::vector<std::string>, std::string>;
using EnqueueDone = std::function<void(EnqueueResult)>;

/// One message being written. Destroying it uncommitted abandons it.
class HoldWriter {
 public:
  virtual ~HoldWriter() = default;
  /// Content: header section and body, CRLF, dot-unstuffed, any split.
  virtual ocp::Expected<void, std::string> write(std::string_view bytes) = 0;
  /// Makes the message durable together with others committing at the same
  /// time (group commit), then calls `done` once, on the store's thread.
  /// The writer may be destroyed right after this call.
  virtual void commit(EnqueueDone done) = 0;
};

struct StoreStats {
  std::size_t entries = 0;
  std::size_t leased = 0;
};

class HoldStore {
 public:
  virtual ~HoldStore() = default;

  /// `recipients` of `message` must each be in one of `domains` (lower
  /// case, the domain part of each recipient); the caller routed them here.
  virtual ocp::Expected<std::unique_ptr<HoldWriter>, std::string> begin(HeldMessage message) = 0;

  /// Whether any entry (leased or not) is held for one of `domains`.
  virtual bool holds_mail(const std::vector<std::string>& domains) const = 0;
  /// Leases up to `max` unleased entries of `domains`, oldest first.
  virtual std::vector<HeldRecord> lease(const std::vector<std::string>& domains, std::size_t max) = 0;
  /// Leases up to `max` unleased entries received before `cutoff` (expiry,
  /// and with `unwarned_only` the delay warning), oldest first.
  virtual std::vector<HeldRecord> lease_received_before(Clock::time_point cutoff, std::size_t max,
                                                        bool unwarned_only) = 0;
  /// The content of a leased entry.
  virtual ocp::Expected<std::string, std::string> content(const HeldRecord& entry) = 0;
  /// Delivered (or bounced): the entry is removed durably before this returns.
  virtual ocp::Expected<void, std::string> acknowledge(const HeldRecord& entry) = 0;
  /// Back to the queue, unleased; `deferred`: one more attempt counted
  /// (the record rewritten durably). `delay_warned` sets that flag too.
  /// `entry.recipients` fewer than the lease had (some were delivered or
  /// bounced): the entry keeps only those, rewritten durably too.
  virtual ocp::Expected<void, std::string> release(const HeldRecord& entry, bool deferred,
                                                   bool delay_warned = false) = 0;

  virtual StoreStats stats() const = 0;
  /// For logs: "hold queue /var/spool/opes-proxy/hold".
  virtual std::string describe() const = 0;
};

}  // namespace opes::queue
