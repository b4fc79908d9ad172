#pragma once
// Configuration of the OCP Core connection engine: the role it plays, the
// resource bounds RFC 4037 §13 asks for, the timeouts of §2.7, and the
// application hooks that answer a peer's NO (§11.18) and AQ (§11.20)
// immediately. The engine is profile-agnostic: features are ocp::Feature.

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

#include "ocp/catalog.hpp"
#include "ocp/limits.hpp"
#include "ocp/types.hpp"

namespace ocp::engine {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = Clock::duration;

/// RFC 4037 §1.3: the OPES processor (OCP client) or the callout server.
enum class Role { processor, callout_server };
/// This engine or the agent at the other end of the connection.
enum class Side { local, peer };
/// §1.3: original data flows P→S, adapted data S→P.
enum class Dataflow { original, adapted };

/// §13: everything a peer can make an agent keep is bounded.
struct EngineLimits {
  std::size_t max_transactions = 256;          // concurrent, per connection
  std::size_t max_service_groups = 64;         // per creator
  std::size_t max_output_bytes = 8u << 20;     // buffered, not yet consumed
  std::size_t max_preserved_bytes = 4u << 20;  // P: per transaction (Kept size)
  std::size_t max_outstanding_queries = 64;    // our own AQ and PQ awaiting answers
};

/// §2.7: state that stops making progress is ended. Zero disables a timeout.
struct Timeouts {
  Duration negotiation = std::chrono::seconds(30);        // own NO awaiting NR, or an open phase
  Duration transaction_idle = std::chrono::seconds(300);  // no message for the xid either way
  Duration connection_idle = std::chrono::seconds(600);   // nothing received from the peer
};

/// What the application sees of a NO it must answer immediately (§11.18).
struct OfferContext {
  const std::vector<Feature>& features;       // offered, preferred first
  std::optional<ServiceGroupId> sg;           // SG scope, absent = connection scope
  bool offer_pending = false;                 // the offerer keeps the phase open
  const std::vector<Feature>& connection_features;  // already enabled, connection scope
  const std::vector<Feature>* sg_features;    // already enabled for `sg`, when scoped
};

/// The application's answer to a NO; becomes the NR.
struct OfferAnswer {
  std::optional<Feature> accepted;  // must have the uri of an offered feature
  std::vector<Feature> rejects;
  std::vector<Feature> unknowns;
  bool offer_pending = false;       // §6.1: we want to offer next
};

struct Config {
  Role role = Role::processor;
  EngineLimits limits;
  Timeouts timeouts;
  ParseOptions parse;
  DecodeOptions decode;
  /// Answers the peer's NO. Default: reject everything (`NR;`).
  std::function<OfferAnswer(const OfferContext&)> on_offer;
  /// Answers the peer's AQ (§11.21). Default: nothing is supported.
  std::function<bool(const Feature&)> supports;
  /// which negotiated features are application profiles. Default: all.
  std::function<bool(const Feature&)> is_profile;
};

}  // namespace ocp::engine
