#include "opes/loadgen/transaction_input.hpp"

#include <algorithm>
#include <string>

namespace opes::loadgen {

namespace {

/// RFC 5322 §2.1.1 recommends lines of at most 78 octets; 76 + CRLF.
constexpr std::size_t kBodyLineLength = 76;

std::string header_section(std::size_t connection, std::size_t sequence) {
  const std::string id = std::to_string(connection) + "." + std::to_string(sequence);
  return "From: <a@example.org>\r\n"
         "To: <b@example.org>\r\n"
         "Subject: load " +
         id +
         "\r\n"
         "Message-ID: <" +
         id +
         "@loadgen.example.org>\r\n"
         "\r\n";
}

/// Digits and dots only: no pattern made of words can match the filler.
std::string filler_line(std::size_t number, std::size_t length) {
  std::string line = std::to_string(number);
  line.resize(length, '.');
  return line + "\r\n";
}

}  // namespace

bool carries_match(const MessageShape& shape, std::size_t sequence) noexcept {
  return shape.match_every != 0 && !shape.match_text.empty() && sequence % shape.match_every == 0;
}

std::string make_message(const MessageShape& shape, std::size_t connection, std::size_t sequence) {
  std::string message = header_section(connection, sequence);
  if (carries_match(shape, sequence)) message += shape.match_text + "\r\n";
  // Every line CRLF-ended, as the SMTP data a processor relays always is
  // (RFC 5321 §4.1.1.4); the last line is shortened to land on the size.
  for (std::size_t line = 0; message.size() < shape.size; ++line) {
    const std::size_t remaining = shape.size - message.size();
    if (remaining < 3) {
      message.append(remaining, '.');  // too short for a line: only right after the header
      break;
    }
    std::size_t length = std::min(kBodyLineLength, remaining - 2);
    // Leave no tail of 1 or 2 octets, which could not be a line of its own.
    if (const std::size_t tail = remaining - (length + 2); (tail == 1 || tail == 2) && length > 3)
      length -= 3;
    message += filler_line(line, length);
  }
  return message;
}

TransactionInput make_input(const MessageShape& shape, std::size_t connection,
                            std::size_t sequence) {
  TransactionInput input;
  input.rawdata = make_message(shape, connection, sequence);
  return input;
}

}  // namespace opes::loadgen
