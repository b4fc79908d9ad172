#include "opes/smtp/reply_reader.hpp"

#include <utility>

namespace opes::smtp {

namespace {

ReplyError fail(std::string reason) {
  return ReplyError{"upstream sent " + std::move(reason)};
}

/// RFC 5321 §4.2: Reply-code = %x32-35 %x30-35 %x30-39
bool is_reply_code(std::string_view digits) noexcept {
  return digits.size() == 3 && digits[0] >= '2' && digits[0] <= '5' && digits[1] >= '0' &&
         digits[1] <= '5' && digits[2] >= '0' && digits[2] <= '9';
}

/// RFC 5321 §4.2: textstring = 1*(%d09 / %d32-126); RFC 6531 §3.7.4 lets
/// UTF-8 in, so only control octets are refused.
bool is_reply_text(std::string_view text) noexcept {
  for (char c : text) {
    const auto octet = static_cast<unsigned char>(c);
    if ((octet < 32 && octet != '\t') || octet == 127) return false;
  }
  return true;
}

}  // namespace

void ReplyReader::receive(std::string_view bytes) {
  if (error_) return;
  if (start_ != 0 && start_ * 2 >= buffer_.size()) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(bytes);
}

ocp::Expected<std::optional<ocp::smtp::Reply>, ReplyError> ReplyReader::next() {
  while (!error_) {
    const std::string_view in = std::string_view(buffer_).substr(start_);
    const std::size_t lf = in.substr(0, limits_.max_line_length).find('\n');
    if (lf == std::string_view::npos) {
      if (in.size() < limits_.max_line_length) return std::optional<ocp::smtp::Reply>();
      error_ =
          fail("a reply line longer than " + std::to_string(limits_.max_line_length) + " octets");
      break;
    }
    if (lf == 0 || in[lf - 1] != '\r') {
      error_ = fail("a reply line ended by a bare LF");
      break;
    }
    const std::string_view line = in.substr(0, lf - 1);
    start_ += lf + 1;
    auto complete = take_line(line);
    if (!complete) {
      error_ = std::move(complete).error();
      break;
    }
    if (*complete) return std::optional<ocp::smtp::Reply>(std::exchange(current_, {}));
  }
  buffer_.clear();
  start_ = 0;
  return ocp::unexpected(*error_);
}

ocp::Expected<bool, ReplyError> ReplyReader::take_line(std::string_view line) {
  if (line.size() < 3 || !is_reply_code(line.substr(0, 3))) {
    return ocp::unexpected(fail("a reply line without a 3-digit code"));
  }
  const auto code =
      static_cast<std::uint16_t>((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
  if (current_.lines.empty()) {
    current_.code = code;
  } else if (code != current_.code) {
    // RFC 5321 §4.2.1: every line of a multi-line reply carries the same code.
    return ocp::unexpected(fail("a multi-line reply whose codes differ"));
  }
  if (current_.lines.size() == limits_.max_lines) {
    return ocp::unexpected(
        fail("a reply of more than " + std::to_string(limits_.max_lines) + " lines"));
  }
  std::string_view rest = line.substr(3);
  bool last = true;
  if (!rest.empty()) {
    if (rest.front() == '-') {
      last = false;
    } else if (rest.front() != ' ') {
      return ocp::unexpected(fail("a reply code followed by neither SP nor '-'"));
    }
    rest.remove_prefix(1);
  }
  if (!is_reply_text(rest)) return ocp::unexpected(fail("a control octet in a reply line"));
  current_.lines.emplace_back(rest);
  return last;
}

}  // namespace opes::smtp
