#include "opes/plugin_host/answer_syntax.hpp"

#include <cctype>
#include <string>

namespace opes::plugin_host {
namespace {

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// Splits at CRLF; a CR or LF anywhere else makes `ok` false.
template <class OnLine>
bool for_each_line(std::string_view text, OnLine on_line) {
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find("\r\n", start);
    const std::string_view line =
        text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (line.find_first_of("\r\n") != std::string_view::npos) return false;
    if (!on_line(line, end == std::string_view::npos)) return false;
    if (end == std::string_view::npos) return true;
    start = end + 2;
  }
}

}  // namespace

Expected<void, std::string> check_rejection_reply(std::string_view reply) {
  if (reply.size() < 3) return unexpected(std::string("SMTP reply is shorter than a reply code"));
  if (reply.substr(reply.size() - 2) == "\r\n") {
    return unexpected(std::string("SMTP reply must not end with CRLF (draft §3.3.3)"));
  }
  const std::string_view code = reply.substr(0, 3);
  // RFC 5321 §4.2: Reply-code = %x32-35 %x30-35 %x30-39; a rejection is 4yz or 5yz.
  if (!(code[0] == '4' || code[0] == '5') || code[1] < '0' || code[1] > '5' || !is_digit(code[2])) {
    return unexpected("SMTP reply code " + std::string(code) + " is not a 4yz or 5yz rejection");
  }
  std::string problem;
  const bool ok = for_each_line(reply, [&](std::string_view line, bool last) {
    if (line.substr(0, 3) != code) {
      problem = "every line of a multi-line SMTP reply repeats the code " + std::string(code);
      return false;
    }
    // RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets with its CRLF.
    if (line.size() > 510) {
      problem = "SMTP reply line longer than 510 octets";
      return false;
    }
    if (line.size() > 3) {
      const char sep = line[3];
      if (last ? sep != ' ' : sep != '-') {
        problem = last ? "the last SMTP reply line continues with \"-\" or lacks a space"
                       : "a non-final SMTP reply line lacks \"-\" after the code";
        return false;
      }
    } else if (!last) {
      problem = "a non-final SMTP reply line lacks \"-\" after the code";
      return false;
    }
    for (char c : line) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 32 && c != '\t') {
        problem = "SMTP reply contains a control character";
        return false;
      }
    }
    return true;
  });
  if (!ok) {
    return unexpected(problem.empty() ? std::string("SMTP reply contains a bare CR or LF")
                                      : problem);
  }
  return {};
}

Expected<void, std::string> check_header_field(std::string_view field) {
  const std::size_t colon = field.find(':');
  if (colon == 0 || colon == std::string_view::npos) {
    return unexpected(std::string("header field lacks \"Name:\""));
  }
  for (char c : field.substr(0, colon)) {
    if (c < 33 || c > 126) return unexpected(std::string("invalid character in header field name"));
  }
  if (field.size() >= 2 && field.substr(field.size() - 2) == "\r\n") {
    return unexpected(std::string("header field must not end with CRLF (draft §3.3.5)"));
  }
  std::string problem;
  bool first = true;
  const bool ok = for_each_line(field, [&](std::string_view line, bool) {
    if (!first && (line.empty() || (line[0] != ' ' && line[0] != '\t'))) {
      problem = "a line break in a header field is not followed by SP or HTAB (RFC 5322 §2.2.3)";
      return false;
    }
    first = false;
    // RFC 5322 §2.1.1: at most 998 characters per line.
    if (line.size() > 998) {
      problem = "header field line longer than 998 octets";
      return false;
    }
    for (char c : line) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 32 && c != '\t') || u == 127) {
        problem = "header field contains a control character";
        return false;
      }
    }
    return true;
  });
  if (!ok) {
    return unexpected(problem.empty() ? std::string("header field contains a bare CR or LF")
                                      : problem);
  }
  return {};
}

}  // namespace opes::plugin_host
