#include "ocp/smtp/reply.hpp"

#include "ascii.hpp"
#include "value_kinds.hpp"

namespace ocp::smtp {

namespace {

TypeError bad_line(std::size_t number, std::string reason) {
  return TypeError{"SMTP reply line " + std::to_string(number) + ": " + std::move(reason)};
}

/// RFC 2821 §4.2: Reply-code = %x32-35 %x30-35 %x30-39
bool is_reply_code(std::string_view digits) {
  return digits.size() == 3 && digits[0] >= '2' && digits[0] <= '5' && digits[1] >= '0' &&
         digits[1] <= '5' && detail::is_digit(digits[2]);
}

/// RFC 2821 §4.2: textstring = 1*(%d09 / %d32-126)
bool is_reply_text(std::string_view text) {
  for (char c : text) {
    const auto octet = static_cast<unsigned char>(c);
    if (octet != 9 && (octet < 32 || octet > 126)) return false;
  }
  return true;
}

}  // namespace

std::string Reply::text() const {
  std::string out;
  const std::string digits = std::to_string(code);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const bool last = i + 1 == lines.size();
    if (i != 0) out += "\r\n";
    out += digits;
    // RFC 2821 §4.2.1: code "-" text on every line but the last, code SP
    // text on the last (the code alone when it has no text).
    if (!last) {
      out += '-';
    } else if (!lines[i].empty()) {
      out += ' ';
    }
    out += lines[i];
  }
  return out;
}

std::string Reply::wire() const {
  return text() + "\r\n";
}

Typed<Reply> parse_reply(std::string_view text) {
  if (text.empty()) return unexpected(TypeError{"SMTP reply is empty"});
  if (text.ends_with("\r\n")) {
    return unexpected(TypeError{"SMTP reply must not end with CRLF (smtp §3.3.3)"});
  }
  Reply reply;
  std::size_t number = 0;
  std::size_t at = 0;
  bool last = false;
  while (!last) {
    ++number;
    const std::size_t end = text.find("\r\n", at);
    last = end == std::string_view::npos;
    const std::string_view line = text.substr(at, last ? std::string_view::npos : end - at);
    at = last ? text.size() : end + 2;
    if (line.size() > Reply::kMaxLineLength) {
      return unexpected(bad_line(number, "longer than 510 octets (RFC 2821 §4.5.3.1)"));
    }
    if (line.size() < 3 || !is_reply_code(line.substr(0, 3))) {
      return unexpected(
          bad_line(number, detail::quoted(line.substr(0, 3)) + " is not a reply code"));
    }
    const unsigned code =
        static_cast<unsigned>((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
    if (number == 1) {
      reply.code = static_cast<std::uint16_t>(code);
    } else if (code != reply.code) {
      // RFC 2821 §4.2.1: "the reply code on each of the lines MUST be the same"
      return unexpected(bad_line(
          number, "code " + std::to_string(code) + " differs from " + std::to_string(reply.code)));
    }
    std::string_view rest = line.substr(3);
    if (!last) {
      if (rest.empty() || rest[0] != '-') {
        return unexpected(bad_line(number, "a line before the last must continue with '-'"));
      }
    } else if (!rest.empty() && rest[0] != ' ') {
      return unexpected(bad_line(number, rest[0] == '-' ? "the last line must not continue with '-'"
                                                        : "the code must be followed by SP"));
    }
    if (!rest.empty()) rest.remove_prefix(1);
    if (!is_reply_text(rest)) {
      return unexpected(
          bad_line(number, "text holds a control octet, a bare CR or LF, or a non-ASCII octet"));
    }
    reply.lines.emplace_back(rest);
  }
  return reply;
}

}  // namespace ocp::smtp
