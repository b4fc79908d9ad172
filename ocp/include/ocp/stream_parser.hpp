#pragma once
// Sans-I/O reader of an OCP byte stream (RFC 4037 §3.1): feed octets in
// chunks of any size, take complete messages out. Each octet is framed once
// and each message parsed once, so the cost is linear in the stream.
//
// Payloads are not copied out of the receive buffer: a parsed DUM's payload
// shares the block it arrived in. A socket can read straight into that block
// through prepare()/commit(); feed() copies a caller's chunk in once.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "ocp/expected.hpp"
#include "ocp/framer.hpp"
#include "ocp/limits.hpp"
#include "ocp/message.hpp"
#include "ocp/parse_error.hpp"

namespace ocp {

class StreamParser {
 public:
  explicit StreamParser(ParseOptions options = {});

  /// Writable space for at least `at_least` octets; commit what was written.
  std::span<char> prepare(std::size_t at_least);
  void commit(std::size_t written);

  /// Copies the chunk into the stream buffer.
  void append(std::string_view chunk);

  /// The next complete message; nullopt when more octets are needed; an
  /// error when the stream cannot be read further (the error then sticks).
  Expected<std::optional<Message>, ParseError> next();

  struct Batch {
    std::vector<Message> messages;
    std::optional<ParseError> error;
  };
  /// append() and then next() until it needs more octets or fails.
  Batch feed(std::string_view chunk);

  /// The stream has ended: an error if it ended inside a message.
  std::optional<ParseError> finish() const;

  /// Octets consumed by complete messages so far.
  std::uint64_t consumed() const noexcept { return consumed_; }
  /// Octets received but not yet part of a complete message.
  std::size_t buffered() const noexcept { return end_ - begin_; }

 private:
  struct Block;
  void make_room(std::size_t at_least);

  ParseOptions options_;
  Framer framer_;
  std::shared_ptr<Block> block_;
  std::size_t begin_ = 0;  // first octet of the current message in block_
  std::size_t end_ = 0;    // end of received octets in block_
  std::uint64_t consumed_ = 0;
  std::optional<ParseError> failure_;
};

/// Parses exactly one complete message (framing, limits and grammar).
Expected<Message, ParseError> parse_message(std::string_view bytes, const ParseOptions& options = {});

}  // namespace ocp
