#pragma once
// What ServerCore::next_event() hands the application. Three events await a
// reply (ServerCore::reply): CommandReceived, ContinuationLine and DataEnd.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "ocp/smtp/reply.hpp"
#include "opes/smtp/command.hpp"
#include "opes/smtp/path_argument.hpp"

namespace opes::smtp {

/// A command that needs the application's decision: HELO, EHLO, MAIL, RCPT,
/// DATA, VRFY, EXPN, STARTTLS, AUTH, ATRN, HOST and unknown verbs (answer
/// those 500 5.5.1). Sequence (the CommandTable) and syntax have been
/// checked; for MAIL and RCPT `path` holds the parsed argument, for AUTH
/// `auth`.
struct CommandReceived {
  Command command;
  std::optional<PathArgument> path;
  std::optional<AuthArgument> auth;
};

/// RFC 4954 §4: the line a client sends after a 334 reply (an AUTH
/// exchange), delivered raw (base64, at most ServerLimits::max_sasl_line);
/// reply 334 again to continue the exchange, 235 to end it authenticated,
/// 535 (a bad command) or another code to end it refused. A "*" line never
/// comes here: the core answers it (AuthCancelled).
struct ContinuationLine {
  std::string line;
};

/// The core ended an AUTH exchange by itself: the client cancelled it with
/// "*" (answered 501 5.0.0, RFC 4954 §4) or sent a line the core refused
/// (too long, bare LF, control octet: 500). Drop the SASL state; no reply
/// is due.
struct AuthCancelled {};

/// Message content after 354: dot-unstuffed, CRLF line ends kept, the final
/// "." line left out (the RAWDATA am-part, draft-ietf-opes-smtp-00 §3.1).
/// Chunks hold data_chunk_size octets (one more at most) but the last.
struct DataChunk {
  std::string bytes;
};

/// The final CRLF . CRLF arrived. With `refusal` the message broke a limit
/// (no chunks followed the violation): send that reply. Otherwise reply
/// with the transaction's outcome; either way the transaction ends.
struct DataEnd {
  std::optional<ocp::smtp::Reply> refusal;
  /// The whole message's size, refused or not (DataReader::message_size).
  std::uint64_t size = 0;
};

/// RSET arrived (the core answered 250): end any OCP transaction.
struct TransactionReset {};

/// The application answered STARTTLS with 220: start the TLS handshake on
/// the connection, then call tls_started(). Input buffered after the
/// STARTTLS line has been discarded (RFC 3207 §4.2, CVE-2011-0411).
struct TlsRequested {};

enum class CloseReason {
  quit,             // QUIT answered 221 by the core
  too_many_errors,  // max_bad_commands reached, answered 421 by the core
  pipelining_violation,  // input behind a refused DATA, answered 421 by the core
};

/// Flush the output, then close the connection.
struct CloseRequested {
  CloseReason reason;
};

/// The client closed its side (receive_eof) outside of a QUIT; a partial
/// command or message is dropped.
struct ClientClosed {};

using ServerEvent =
    std::variant<CommandReceived, ContinuationLine, DataChunk, DataEnd, TransactionReset,
                 TlsRequested, CloseRequested, ClientClosed, AuthCancelled>;

}  // namespace opes::smtp
