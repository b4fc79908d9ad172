#pragma once
// What the connection engine tells its application. Events report what the
// peer did and what the engine decided on its own (a violation it answered
// with TE/CE, a timeout); the effects of the application's own commands are
// not echoed back.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ocp/catalog.hpp"
#include "ocp/engine/config.hpp"
#include "ocp/shared_bytes.hpp"
#include "ocp/types.hpp"

namespace ocp::engine {

/// §11.1: the peer's CS arrived.
struct PeerStarted {};

/// §11.19: a positive NR was sent or received; the feature is enabled now.
struct NegotiationCompleted {
  Feature feature;                  // as the NR carries it
  std::optional<ServiceGroupId> sg; // absent: connection scope
  Side offered_by;
};

/// A negative NR, or our own offer dropped in a collision (§11.18).
struct NegotiationFailed {
  std::vector<Feature> offered;
  std::optional<ServiceGroupId> sg;
  std::vector<Feature> rejects;
  std::vector<Feature> unknowns;
  Side offered_by;
  std::string reason;
};

/// §11.3 / §11.4, by the peer.
struct ServiceGroupCreatedByPeer {
  ServiceGroupId sg;
  std::vector<Service> services;
};
struct ServiceGroupDestroyedByPeer {
  ServiceGroupId sg;
};

/// §11.5: S accepted the processor's TS.
struct TransactionStarted {
  Xid xid;
  ServiceGroupId sg;
  std::vector<Service> services;  // fixed for the transaction's life
};

/// The transaction ended by the peer's TE (ended_by peer) or by the engine
/// after a violation or timeout (ended_by local; result 400 with the reason).
struct TransactionEnded {
  Xid xid;
  Result result;
  Side ended_by;
};

/// §11.7 / §11.8: the peer's application message (S: original, P: adapted).
struct ApplicationMessageStarted {
  Xid xid;
  Dataflow flow;
  std::optional<std::vector<Service>> services;
  Extensions extensions;
};
struct ApplicationMessageEnded {
  Xid xid;
  Dataflow flow;
  Result result;  // absent on the wire = 200 (§10.10)
};

/// §11.9: data of the peer's dataflow. The payload shares the receive buffer.
struct DataReceived {
  Xid xid;
  Dataflow flow;
  std::uint32_t offset = 0;
  SharedBytes payload;
  std::optional<std::uint32_t> as_is;  // only when valid (points at original data sent)
  std::optional<Kept> kept;            // S: P's preservation announcement
  std::optional<Percent> modp;
  Extensions extensions;               // AM-Part etc. for the profile
};

/// The DUM a DataReceived came from, for readers of its profile parameters
/// (ocp::smtp::read_dum_parameters).
inline DataUseMine as_dum(const DataReceived& event) {
  DataUseMine dum{};
  dum.extensions = event.extensions;
  dum.xid = event.xid;
  dum.my_offset = event.offset;
  dum.as_is = event.as_is;
  dum.modp = event.modp;
  dum.payload = event.payload;
  return dum;
}

/// §11.10 (P): a DUY resolved into the preserved original octets.
struct PreservedDataUsed {
  Xid xid;
  std::uint32_t org_offset = 0;
  std::uint32_t org_size = 0;
  std::uint32_t adapted_offset = 0;  // where the octets sit in the adapted flow
  SharedBytes bytes;
  Extensions extensions;  // Add-Header, Advice etc. for the profile
};

/// §11.11 (P): S narrowed the reusable range; the engine dropped the rest.
struct PreservationInterest {
  Xid xid;
  std::uint32_t org_offset = 0;
  std::uint32_t org_size = 0;
};

/// §11.12 (P): S wants no more original data after org_size octets.
struct StopReceivingRequested {
  Xid xid;
  std::uint32_t org_size = 0;
};
/// §11.13 (P): S asks to end the adapted dataflow early; answer with stop_sending().
struct StopSendingRequested {
  Xid xid;
};
/// §11.14 (S): P's solicited DSS; the engine has sent AME 206 immediately.
struct StopSendingOrdered {
  Xid xid;
};

/// §11.15: the peer wants our dataflow paused at `offset` (A-14: octets below it are sent).
struct PauseRequested {
  Xid xid;
  std::uint32_t offset = 0;
  bool paused_now = false;  // the engine sent DPM at once (already at or past the offset)
};
/// §11.16: the peer paused its dataflow until we call want_more().
struct PeerPaused {
  Xid xid;
};
/// §11.17: the peer wants (more of) our data; our dataflow is no longer paused.
struct MoreDataRequested {
  Xid xid;
  std::optional<std::uint32_t> size_request;
};

/// §11.23 / §11.24.
struct ProgressAnswered {
  std::optional<Xid> queried;  // the xid our PQ named (A-15: FIFO)
  std::optional<Xid> xid;
  std::optional<std::uint32_t> org_data;
};
struct ProgressReported {
  std::optional<Xid> xid;
  std::optional<std::uint32_t> org_data;
};
/// §11.21, matched to our AQ in order.
struct AbilityAnswered {
  Feature feature;
  bool supported = false;
};

/// A message Core tells us to ignore (§11, A-7, A-8, A-11); for logging.
struct MessageIgnored {
  std::string name;
  std::string reason;
};

/// The connection is over: the peer's CE, transport EOF (as CE 400), or a CE
/// the engine sent itself after a violation or timeout.
struct ConnectionClosed {
  Result result;
  Side closed_by;
};

using Event = std::variant<PeerStarted, NegotiationCompleted, NegotiationFailed,
                           ServiceGroupCreatedByPeer, ServiceGroupDestroyedByPeer,
                           TransactionStarted, TransactionEnded, ApplicationMessageStarted,
                           ApplicationMessageEnded, DataReceived, PreservedDataUsed,
                           PreservationInterest, StopReceivingRequested, StopSendingRequested,
                           StopSendingOrdered, PauseRequested, PeerPaused, MoreDataRequested,
                           ProgressAnswered, ProgressReported, AbilityAnswered, MessageIgnored,
                           ConnectionClosed>;

}  // namespace ocp::engine
