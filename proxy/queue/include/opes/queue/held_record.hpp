#pragma once
// The record of one held message for one ODMR customer domain: the envelope
// (only that domain's recipients), the facts about the client it came from
// (as opes::proxy::Origin holds them) and the queue's own bookkeeping. It
// lies beside the message content in the hold queue; its presence makes the
// entry exist. A text file of `Key: value` lines (like the spool's
// Envelope-To/Envelope-DSN fields), read strictly and with limits, since a
// damaged or hostile file must give an error, never a crash.
//
// The format (version 1), one field a line, LF-terminated, the value being
// everything after ": " (addresses may hold spaces in a quoted local part,
// RFC 5321 §4.1.2), "Key:" alone for an empty value:
//
//   Version: 1                      always the first line
//   Id, Domain, Sender, Sender-DSN, Transaction, Received (seconds since
//   the epoch), Attempts, Delay-Warned (yes/no), Origin-Address,
//   Origin-Port, Origin-Peer, Origin-TLS (yes/no), Origin-TLS-Cipher,
//   Origin-HELO, Origin-ESMTP (yes/no), Origin-Authenticated,
//   Origin-Protocol                 each exactly once, in any order
//   Recipient: a@example.org        one a recipient, in order
//   Recipient-DSN: NOTIFY=NEVER     optional, right after its Recipient
//
// Values never contain CR, LF or another control character (octets below
// 0x20 and 0x7F); octets above 0x7F pass (RFC 6531 addresses). The
// serializer refuses such values rather than escaping them: nothing the
// gateway accepted from SMTP can hold them, so a record that does is a
// programming error to report, not data to transform.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/expected.hpp"

namespace opes::queue {

using Clock = std::chrono::system_clock;

/// opes::proxy::Origin's fields, kept here as plain values so the queue
/// needs nothing of the transaction library (the hold delivery converts).
struct OriginFacts {
  std::string address;      // "192.0.2.7"; "unknown"
  std::uint16_t port = 0;
  std::string peer;         // "192.0.2.7:1025"
  bool tls = false;
  std::string tls_cipher;
  std::string helo;
  bool esmtp = false;
  std::string authenticated;
  std::string protocol = "smtp";  // "smtp", "imap-submit", "odmr"
};

struct HeldRecipient {
  std::string address;  // forward-path without brackets
  std::string dsn;      // "NOTIFY=FAILURE ORCPT=rfc822;a@b" as sent; "" none (RFC 3461 §4.1, §4.2)
};

struct HeldRecord {
  std::string id;      // the entry's id in the store: [A-Za-z0-9._-], at most 64 octets
  std::string domain;  // the customer domain, lower case
  std::string sender;  // reverse-path without brackets; "" for <>
  std::string sender_dsn;  // "RET=HDRS ENVID=x" as sent (RFC 3461 §4.3, §4.4); "" none
  std::vector<HeldRecipient> recipients;  // at least one, all in `domain`
  OriginFacts origin;
  std::string transaction;  // the gateway's transaction id ("SESSION.1"), for logs
  Clock::time_point received;  // when the gateway took it (seconds precision)
  unsigned attempts = 0;       // reversed deliveries tried and deferred (4yz)
  bool delay_warned = false;   // the delay DSN was sent
};

struct RecordLimits {
  std::size_t max_size = 1u << 20;  // the whole record
  std::size_t max_line = 2048;
  std::size_t max_recipients = 1000;
};

/// The error names the field: "Sender: control character in the value".
/// Refused too: an id outside [A-Za-z0-9._-] or over 64 octets, an empty
/// domain, no recipient, a received time before the epoch.
ocp::Expected<std::string, std::string> serialize_record(const HeldRecord& record);
/// The error names the line: "line 4: unknown key Foo".
ocp::Expected<HeldRecord, std::string> parse_record(std::string_view text, const RecordLimits& limits = {});

}  // namespace opes::queue
