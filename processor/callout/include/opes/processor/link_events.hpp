#pragma once
// What a CalloutLink tells the SMTP proxy: the link's state, the callout
// server's answers to adaptive parts (smtp §3.3), and the end of each
// transaction. Every transaction begun gets exactly one TransactionFinished
// unless the proxy ended it itself (finish(), abort()).

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ocp/shared_bytes.hpp"
#include "ocp/smtp/advice.hpp"
#include "ocp/smtp/am_option.hpp"
#include "ocp/smtp/am_part.hpp"
#include "ocp/smtp/header_field.hpp"
#include "ocp/smtp/reply.hpp"
#include "ocp/types.hpp"
#include "opes/processor/link_settings.hpp"

namespace opes::processor {

/// One OCP transaction on the link: its xid (RFC 4037 §10.5).
struct TransactionId {
  std::uint32_t value = 0;
  friend auto operator<=>(const TransactionId&, const TransactionId&) = default;
};

/// Negotiated and the service groups created: begin() may be called.
struct LinkReady {};

/// The link cannot be used any more (negotiation refused, an NR breaking
/// the profile's rules, CE, EOF, a timeout, an unanswered probe). Every open
/// transaction got its TransactionFinished before this event.
struct LinkFailed {
  std::string reason;
  /// The callout server ended the connection in order (CE 200, RFC 4037
  /// §11.2), e.g. after reloading its configuration: not a sign that the
  /// server is down, and a fresh connection is expected to work.
  bool in_order = false;
};

/// close() completed: CE 200 was written.
struct LinkClosed {};

/// One DUM of the callout server's adapted dataflow (smtp §3.3).
struct AnswerReceived {
  TransactionId id;
  ocp::smtp::AmPart part;
  ocp::SharedBytes bytes;  // shares the receive buffer
  /// The first DUM of the answer to a part instance: every DUM of a part
  /// that cannot span DUMs; for one that can, the first DUM after a DUM of
  /// another part (two SECTIONS in a row cannot be told apart, smtp §3.3.1).
  bool starts_instance = true;
  /// RFC 4037 §11.9 As-is: the octets are the original ones.
  bool as_is = false;
  /// smtp §3.3.3: the command is to be answered with this reply.
  std::optional<ocp::smtp::Reply> smtp_error;
  ///
  std::optional<ocp::smtp::Advice> advice;
  /// smtp §3.3.5, A-26: fields to add to the message, in order.
  std::vector<ocp::smtp::HeaderField> add_header;
  /// smtp §3.4.3: the callout server's AM-OPT on this DUM, if any (ours
  /// names the refusing service: ocp::smtp::kAmOptRefusingService).
  std::vector<ocp::smtp::AmOption> meta;
};

/// The callout server's AME (RFC 4037 §11.8): its adapted message is complete.
struct AdaptedEnded {
  TransactionId id;
  ocp::Result result;
};

/// The transaction is over: TE from the callout server (by_server), or ended
/// by the link after a rule violation, an answer timeout or the link's end.
struct TransactionFinished {
  TransactionId id;
  ocp::Result result;
  bool by_server = false;
  /// What happened, in words: the server's reason, the rule broken, or which
  /// part waited how long.
  std::string reason;
  /// Ended by the server's CE 200 before the server answered any part of
  /// it: the CE crossed the transaction's TS (a server ends a connection in
  /// order only once none of its transactions is open), so the server never
  /// worked on it, and it may be begun again on another connection.
  bool retryable = false;
  /// The server's TE result named the reply the message deserves (member
  /// ocp::smtp::kResultSmtpError, a 5yz reply): one of its limits, which no
  /// answer could carry. The message's refusal, not a callout failure.
  std::optional<ocp::smtp::Reply> smtp_error;
};

/// RFC 4037 §11.23: the PA to a probe().
struct ProbeAnswered {
  Duration round_trip{};
};

using LinkEvent = std::variant<LinkReady, LinkFailed, LinkClosed, AnswerReceived, AdaptedEnded,
                               TransactionFinished, ProbeAnswered>;

}  // namespace opes::processor
