#pragma once
// What one CalloutLink offers and how long it waits: the SMTP profile offer
// (draft-ietf-opes-smtp-00 §3.2), the service groups it creates (RFC 4037
// §11.3), the Allow list of its adaptive DUMs (smtp §3.3.2), and the bounds
// RFC 4037 §13 asks for.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "ocp/engine/config.hpp"
#include "ocp/smtp/am_part.hpp"
#include "ocp/smtp/profile_id.hpp"
#include "ocp/smtp/supported_params.hpp"

namespace opes::processor {

using Clock = ocp::engine::Clock;
using TimePoint = ocp::engine::TimePoint;
using Duration = ocp::engine::Duration;

/// RFC 4037 §2.7: what stops making progress is ended. Zero disables one.
struct LinkTimeouts {
  /// CS and NO sent, NR not yet received (the engine's negotiation timeout).
  Duration negotiation = std::chrono::seconds(30);
  /// A command part (MAIL, RCPT, VRFY, EXPN) sent as adaptive, no answer
  /// yet: the SMTP client is waiting for its reply.
  Duration command_answer = std::chrono::seconds(30);
  /// From our AME to the callout server's TE: the answers to the content
  /// parts, its AME and its TE.
  Duration content_answer = std::chrono::seconds(120);
  /// A PQ sent by probe() without its PA.
  Duration probe_answer = std::chrono::seconds(5);
  /// The engine's idle timeouts. Off by default: an SMTP client may pause
  /// between commands for minutes (RFC 5321 §4.5.3.2), which the proxy
  /// bounds, and an idle link is checked by probe().
  Duration idle_transaction = Duration::zero();
  Duration idle_connection = Duration::zero();
};

struct LinkSettings {
  /// smtp §3.2: the profile offered; the processor receives mail by default.
  ocp::smtp::Direction direction = ocp::smtp::Direction::receiver;
  /// smtp §3.2.3: parts the callout server may adapt.
  std::vector<ocp::smtp::AmPart> adaptive_parts{
      ocp::smtp::AmPart::mail,          ocp::smtp::AmPart::rcpt,    ocp::smtp::AmPart::vrfy,
      ocp::smtp::AmPart::expn,          ocp::smtp::AmPart::rawdata, ocp::smtp::AmPart::allheaders,
      ocp::smtp::AmPart::singleheaders, ocp::smtp::AmPart::body,    ocp::smtp::AmPart::sections};
  /// smtp §3.2.4: parts sent for information only.: IP, EHLO
  /// and HELO can never be adaptive.
  std::vector<ocp::smtp::AmPart> informative_parts{ocp::smtp::AmPart::ip(), ocp::smtp::AmPart::ehlo,
                                                   ocp::smtp::AmPart::helo};
  /// RFC 4037 §11.3: each group is a list of service URIs, applied in order;
  /// created after negotiation in this order and addressed by its index.
  std::vector<std::vector<std::string>> service_groups;
  /// smtp §3.3.2: put on every DUM of an adaptive part.
  ocp::smtp::SupportedParams allow{true, true, true, {}};
  /// Octets per DUM of a part that may span DUMs (smtp §3.3.1). A part that
  /// cannot span DUMs and is larger is refused.
  std::size_t max_dum_payload = 64 * 1024;
  /// Largest payload accepted in one DUM of the callout server.
  std::size_t max_answer_payload = 1024 * 1024;
  /// Transactions open at once (begin() without its end).
  std::size_t max_open_transactions = 64;
  /// output_size() may not pass this: send() refuses data beyond it.
  std::size_t max_output_bytes = 8u << 20;
  LinkTimeouts timeouts;
};

}  // namespace opes::processor
