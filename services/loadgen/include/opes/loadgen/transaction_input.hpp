#pragma once
// What one OCP transaction of the load carries: the SMTP mail transaction
// one OCP transaction per SMTP mail transaction) as the am-parts an
// OPES processor would send, and the synthetic message data the load puts in
// RAWDATA.

#include <cstddef>
#include <string>
#include <vector>

namespace opes::loadgen {

/// One SMTP mail transaction, as the parts carry it (smtp §3.1): the
/// reverse-path of MAIL, one forward-path per RCPT, the message data
/// (RAWDATA, without the terminating `.` line).
struct TransactionInput {
  std::string mail = "<a@example.org>";
  std::vector<std::string> recipients{"<b@example.org>"};
  std::string rawdata;
};

/// How the load builds its messages.
struct MessageShape {
  std::size_t size = 4096;      // octets of RAWDATA, exactly (at least the header section)
  std::string match_text{};     // put into the body of every `match_every`-th message
  std::size_t match_every = 0;  // 0: never
};

/// Whether message `sequence` (0-based, counted over the whole load) gets
/// the match text.
bool carries_match(const MessageShape& shape, std::size_t sequence) noexcept;

/// An RFC 5322 message of exactly `shape.size` octets (or its header section
/// alone when that is longer): a few header fields naming the connection
/// and sequence, an empty line, then CRLF-ended body lines of filler text
/// that contains no letter sequence a content filter could be looking for
/// by accident. A message that carries the match has `match_text` at the
/// start of its first body line.
std::string make_message(const MessageShape& shape, std::size_t connection, std::size_t sequence);

/// The input of one transaction with `make_message` as its RAWDATA.
TransactionInput make_input(const MessageShape& shape, std::size_t connection,
                            std::size_t sequence);

}  // namespace opes::loadgen
