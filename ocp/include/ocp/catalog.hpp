#pragma once
// RFC 4037 §11: the 24 OCP Core messages with their parameters typed.
//
// Each message type lists its parameters once, in `describe`, which both
// decode() and encode() walk; the order there is the wire order of the
// anonymous parameters. What a type does not declare is kept in
// `extensions`, because §11 obliges a recipient to ignore unknown named
// parameters, extra anonymous values and unexpected payloads, and the engine
// and the application profiles above must still be able to read them.

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ocp/expected.hpp"
#include "ocp/message.hpp"
#include "ocp/types.hpp"

namespace ocp {

/// Who RFC 4037 Appendix A documents as the sender of a message.
enum class Sender { either, processor, callout_server };
/// What an invalid message ends (§5).
enum class Scope { connection, transaction };

/// Parameters a message type does not declare, in wire order.
struct Extensions {
  std::vector<Value> anonymous;       // after the declared anonymous parameters
  std::vector<NamedValue> named;      // undeclared named parameters (profiles read these)
  std::optional<SharedBytes> payload; // on a message that declares none

  const NamedValue* find(std::string_view name) const;
  friend bool operator==(const Extensions&, const Extensions&) = default;
};

/// §11.9 `Kept: org-offset org-size`. The size is absent when a peer sends
/// the offset alone, as draft-ietf-opes-smtp-00 and RFC 4236 do; such a
/// Kept announces no usable preservation range.
struct Kept {
  std::uint32_t offset = 0;
  std::optional<std::uint32_t> size;
  friend bool operator==(const Kept&, const Kept&) = default;
};

#define OCP_MESSAGE_TRAITS(NAME, SENDER, SCOPE)             \
  static constexpr std::string_view kName = NAME;           \
  static constexpr Sender kSentBy = Sender::SENDER;         \
  static constexpr Scope kScope = Scope::SCOPE;             \
  Extensions extensions;

/// §11.1 CS: first message of each agent on a connection.
struct ConnectionStart {
  OCP_MESSAGE_TRAITS("CS", either, connection)
  template <class Self, class Visitor>
  static void describe(Self&, Visitor&) {}
  friend bool operator==(const ConnectionStart&, const ConnectionStart&) = default;
};

/// §11.2 CE: ends the connection and everything on it.
struct ConnectionEnd {
  OCP_MESSAGE_TRAITS("CE", either, connection)
  std::optional<Result> result;
  template <class Self, class Visitor>
  static void describe(Self& m, Visitor& v) { v.anonymous(m.result, "result"); }
  friend bool operator==(const ConnectionEnd&, const ConnectionEnd&) = default;
};

/// §11.3 SGC: binds a new service group id to an ordered list of services.
struct ServiceGroupCreated {
  OCP_MESSAGE_TRAITS("SGC", either, connection)
  ServiceGroupId sg_id;
  std::vector<Service> services;
  template <class Self, class Visitor>
  static void describe(Self& m, Visitor& v) {
    v.anonymous(m.sg_id, "my-sg-id");
    v.anonymous(m.services, "services");
  }
  friend bool operator==(const ServiceGroupCreated&, const ServiceGroupCreated&) = default;
};

/// §11.4 SGD: forgets a service group the sender created.
struct ServiceGroupDestroyed {
  OCP_MESSAGE_TRAITS("SGD", either, connection)
  ServiceGroupId sg_id;
  template <class Self, class Visitor>
  static void describe(Self& m, Visitor& v) { v.anonymous(m.sg_id, "my-sg-id"); }
  friend bool operator==(const ServiceGroupDestroyed&, const ServiceGroupDestroyed&) = default;
};

/// §11.5 TS: the processor starts a transaction on a service group.
struct TransactionStart {
  OCP_MESSAGE_TRAITS("TS", processor, transaction)
  Xid xid;
  ServiceGroupId sg_id;
  template <class Self, class Visitor>
  static void describe(Self& m, Visitor& v) {
    v.anonymous(m.xid, "xid");
    v.anonymous(m.sg_id, "my-sg-id");
  }
  friend bool operator==(const TransactionStart&, const TransactionStart&) = default;
};

/// §11.6 TE: ends a transaction.
struct TransactionEnd {
  OCP_MESSAGE_TRAITS("TE", either, transaction)
  Xid xid;
  std::optional<Result> result;
  template <class Self, class Visitor>
  static void describe(Self& m, Visitor& v) {
    v.anonymous(m.xid, "xid");
    v.anonymous(m.result, "result");
  }
  friend bool operator==(const TransactionEnd&, const TransactionEnd&) = default;
};

/// §11.7 AMS: opens the sender's application message and dataflow.
struct ApplicationMessageStart {
  OCP_MESSAGE_TRAITS("AMS", either, transaction)
  Xid xid;
  std::optional<std::uint32_t> legacy_am_id;  // A-2, only with DecodeOptions::legacy_am_id
  std::optional<std::vector<Service>> services;
  template <class Self, class Visitor>
  static void describe(Self& m, Visitor& v) {
    v.anonymous(m.xid, "xid");
    v.named(m.services, "Services");
  }
  friend bool operator==(const ApplicationMessageStart&, const ApplicationMessageStart&) = default;
};

/// §11.8 AME: closes the sender's application message and dataflow.
struct ApplicationMessageEnd {
  OCP_MESSAGE_TRAITS("AME", either, transaction)
  Xid xid;
  std::optional<std::uint32_t> legacy_am_id;
  std::optional<Result> result;
  template <class Self, class Visitor>
  static void describe(Self& m, Visitor& v) {
    v.anonymous(m.xid, "xid");
    v.anonymous(m.result, "result");
  }
  friend bool operator==(const ApplicationMessageEnd&, const ApplicationMessageEnd&) = default;
};

/// §11.9 DUM: application data of the sender's dataflow.
struct DataUseMine {
  OCP_MESSAGE_TRAITS("DUM", either, transaction)
  Xid xid;
  std::optional<std::uint32_t> legacy_am_id;
  std::uint32_t my_offset = 0;
  std::optional<std::uint32_t> as_is;  // org-offset; callout server only
  std::optional<Kept> kept;            // processor only
  std::optional<Percent> modp;         // callout server only
  SharedBytes payload;                 // required, may be empty
  template <class Self, class Visitor>
  static void describe(Self& m, Visitor& v) {
    v.anonymous(m.xid, "xid");
    v.anonymous(m.my_offset, "my-offset");
    v.named(m.as_is, "As-is");
    v.named(m.kept, "Kept");
    v.named(m.modp, "Modp");
    v.payload(m.payload);
  }
  friend bool operator==(const DataUseMine&, const DataUseMine&) = default;
};

/// §11.10 DUY: adapted data is this slice of the preserved original.
struct DataUseYours {
  OCP_MESSAGE_TRAITS("DUY", callout_server, transaction)
  Xid xid;
  std::uint32_t org_offset = 0;
  std::uint32_t org_size = 0;
  template <class Self, class Visitor>
  static void describe(Self& m, Visitor& v) {
    v.anonymous(m.xid, "xid");
    v.anonymous(m.org_offset, "org-offset");
    v.anonymous(m.org_size, "org-size");
  }
  friend bool operator==(const DataUseYours&, const DataUseYours&) = default;
};

/// §11.11 DPI: the only original range the callout server may still DUY.
struct DataPreservationInterest {
  OCP_MESSAGE_TRAITS("DPI", callout_server, transaction)
  Xid xid;
  std::uint32_t org_offset = 0;
  std::uint32_t org_size = 0;
  template <class Self, class Visitor>
  static void describe(Self& m, Visitor& v) {
    v.anonymous(m.xid, "xid");
    v.anonymous(m.org_offset, "org-offset");
    v.anonymous(m.org_size, "org-size");
  }
  friend bool operator==(const DataPreservationInterest&, const DataPreservationInterest&) = default;
};

/// §11.12 DWSR: the callout server wants to stop receiving original data.
struct WantStopReceivingData {
  OCP_MESSAGE_TRAITS("DWSR", callout_server, transaction)
  Xid xid;
  std::uint32_t org_size = 0;
  template <class Self, class Visitor>
  static void describe(Self& m, Visitor& v) {
    v.anonymous(m.xid, "xid");
    v.anonymous(m.org_size, "org-size");
  }
  friend bool operator==(const WantStopReceivingData&, const WantStopReceivingData&) = default;
};

/// §11.13 DWSS: the callout server asks to end the adapted dataflow early.
struct WantStopSendingData {
  OCP_MESSAGE_TRAITS("DWSS", callout_server, transaction)
  Xid xid;
  template <class Self, class Visitor>
  static void describe(Self& m, Visitor& v) { v.anonymous(m.xid, "xid"); }
  friend bool operator==(const WantStopSendingData&, const WantStopSendingData&) = default;
};

/// §11.14 DSS: the processor tells the callout server to end the adapted dataflow now.
struct StopSendingData {
  OCP_MESSAGE_TRAITS("DSS", processor, transaction)
  Xid xid;
  template <class Self, class Visitor>
  static void describe(Self& m, Visitor& v) { v.anonymous(m.xid, "xid"); }
  friend bool operator==(const StopSendingData&, const StopSendingData&) = default;
};

/// §11.15 DWP: asks the recipient to pause its dataflow at an offset.
struct WantDataPaused {
  OCP_MESSAGE_TRAITS("DWP", either, transaction)
  Xid xid;
  std::uint32_t your_offset = 0;
  template <class Self, class Visitor>
  static void describe(Self& m, Visitor& v) {
    v.anonymous(m.xid, "xid");
    v.anonymous(m.your_offset, "your-offset");
  }
  friend bool operator==(const WantDataPaused&, const WantDataPaused&) = default;
};

/// §11.16 DPM: the sender has paused its own dataflow until DWM.
struct PausedMyData {
  OCP_MESSAGE_TRAITS("DPM", either, transaction)
  Xid xid;
  template <class Self, class Visitor>
  static void describe(Self& m, Visitor& v) { v.anonymous(m.xid, "xid"); }
  friend bool operator==(const PausedMyData&, const PausedMyData&) = default;
};

/// §11.17 DWM: asks the recipient to (re)send data.
struct WantMoreData {
  OCP_MESSAGE_TRAITS("DWM", either, transaction)
  Xid xid;
  std::optional<std::uint32_t> size_request;  // your-size; RFC example spells it Size-Request
  template <class Self, class Visitor>
  static void describe(Self& m, Visitor& v) {
    v.anonymous(m.xid, "xid");
    v.named(m.size_request, "Size-request", "Size-Request");
  }
  friend bool operator==(const WantMoreData&, const WantMoreData&) = default;
};

/// §11.18 NO: offers features; the peer picks at most one.
struct NegotiationOffer {
  OCP_MESSAGE_TRAITS("NO", either, connection)
  std::vector<Feature> features;
  std::optional<ServiceGroupId> sg_id;
  std::optional<bool> offer_pending;
  template <class Self, class Visitor>
  static void describe(Self& m, Visitor& v) {
    v.anonymous(m.features, "features");
    v.named(m.sg_id, "SG");
    v.named(m.offer_pending, "Offer-Pending");
  }
  friend bool operator==(const NegotiationOffer&, const NegotiationOffer&) = default;
};

/// §11.19 NR: answers a NO; a feature present means it was accepted.
struct NegotiationResponse {
  OCP_MESSAGE_TRAITS("NR", either, connection)
  std::optional<Feature> feature;
  std::optional<ServiceGroupId> sg_id;
  std::optional<std::vector<Feature>> rejects;
  std::optional<std::vector<Feature>> unknowns;
  std::optional<bool> offer_pending;
  template <class Self, class Visitor>
  static void describe(Self& m, Visitor& v) {
    v.anonymous(m.feature, "feature");
    v.named(m.sg_id, "SG");
    v.named(m.rejects, "Rejects");
    v.named(m.unknowns, "Unknowns");
    v.named(m.offer_pending, "Offer-Pending");
  }
  friend bool operator==(const NegotiationResponse&, const NegotiationResponse&) = default;
};

/// §11.20 AQ: asks whether the peer supports a feature (read-only).
struct AbilityQuery {
  OCP_MESSAGE_TRAITS("AQ", either, connection)
  Feature feature;
  template <class Self, class Visitor>
  static void describe(Self& m, Visitor& v) { v.anonymous(m.feature, "feature"); }
  friend bool operator==(const AbilityQuery&, const AbilityQuery&) = default;
};

/// §11.21 AA: answers an AQ.
struct AbilityAnswer {
  OCP_MESSAGE_TRAITS("AA", either, connection)
  bool supported = false;
  template <class Self, class Visitor>
  static void describe(Self& m, Visitor& v) { v.anonymous(m.supported, "boolean"); }
  friend bool operator==(const AbilityAnswer&, const AbilityAnswer&) = default;
};

/// §11.22 PQ: asks for progress, answered at once with PA.
struct ProgressQuery {
  OCP_MESSAGE_TRAITS("PQ", either, connection)
  std::optional<Xid> xid;
  template <class Self, class Visitor>
  static void describe(Self& m, Visitor& v) { v.anonymous(m.xid, "xid"); }
  friend bool operator==(const ProgressQuery&, const ProgressQuery&) = default;
};

/// §11.23 PA: the answer to a PQ.
struct ProgressAnswer {
  OCP_MESSAGE_TRAITS("PA", either, connection)
  std::optional<Xid> xid;
  std::optional<std::uint32_t> org_data;  // org-size
  template <class Self, class Visitor>
  static void describe(Self& m, Visitor& v) {
    v.anonymous(m.xid, "xid");
    v.named(m.org_data, "Org-Data");
  }
  friend bool operator==(const ProgressAnswer&, const ProgressAnswer&) = default;
};

/// §11.24 PR: unsolicited progress.
struct ProgressReport {
  OCP_MESSAGE_TRAITS("PR", either, connection)
  std::optional<Xid> xid;
  std::optional<std::uint32_t> org_data;
  template <class Self, class Visitor>
  static void describe(Self& m, Visitor& v) {
    v.anonymous(m.xid, "xid");
    v.named(m.org_data, "Org-Data");
  }
  friend bool operator==(const ProgressReport&, const ProgressReport&) = default;
};

#undef OCP_MESSAGE_TRAITS

/// A message whose name Core does not define (§11: ignored by Core, kept
/// whole for extensions).
struct UnknownMessage {
  Message message;
  friend bool operator==(const UnknownMessage&, const UnknownMessage&) = default;
};

using AnyMessage =
    std::variant<ConnectionStart, ConnectionEnd, ServiceGroupCreated, ServiceGroupDestroyed,
                 TransactionStart, TransactionEnd, ApplicationMessageStart, ApplicationMessageEnd,
                 DataUseMine, DataUseYours, DataPreservationInterest, WantStopReceivingData,
                 WantStopSendingData, StopSendingData, WantDataPaused, PausedMyData, WantMoreData,
                 NegotiationOffer, NegotiationResponse, AbilityQuery, AbilityAnswer, ProgressQuery,
                 ProgressAnswer, ProgressReport, UnknownMessage>;

/// A message that is well formed but breaks its declaration (§10, §11):
/// a missing required parameter, a value of the wrong type, a named
/// parameter given twice.
struct CatalogError {
  std::string message;    // its name, e.g. "DUM"
  std::string parameter;  // e.g. "my-offset"; empty when no single parameter is at fault
  std::string reason;

  /// "DUM: parameter 'my-offset': 'x' is not a decimal number"
  std::string describe() const;
};

struct DecodeOptions {
  /// read `DUM xid am-id offset`, `AMS xid am-id` and `AME xid am-id
  /// [result]` as the drafts print them. Off: RFC 4037 (`DUM xid offset`,
  /// extra anonymous values ignored).
  bool legacy_am_id = false;
};

Expected<AnyMessage, CatalogError> decode(const Message& message, const DecodeOptions& options = {});
Message encode(const AnyMessage& message);

/// The wire name of a message ("DUM", or an unknown message's own name).
std::string_view name_of(const AnyMessage& message);

}  // namespace ocp
