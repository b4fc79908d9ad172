#include "opes/smtp/path_argument.hpp"

#include <algorithm>

#include "ascii.hpp"
#include "opes/smtp/mail_parameters.hpp"

namespace opes::smtp {

namespace {

using detail::is_digit;
using detail::is_let_dig;
using detail::is_non_ascii;

CommandError bad_path(PathRole role, std::string_view why) {
  if (role == PathRole::reverse_path) {
    return CommandError{501, "5.1.7", "Bad sender address syntax: " + std::string(why)};
  }
  return CommandError{501, "5.1.3", "Bad recipient address syntax: " + std::string(why)};
}

CommandError bad_parameter(std::string_view why) {
  return CommandError{555, "5.5.4", std::string(why)};
}

/// RFC 5322 §3.2.3 atext, as RFC 5321 §4.1.2 uses it; RFC 6531 §3.3 adds UTF8-non-ascii.
bool is_atext(char c, bool utf8) noexcept {
  if (is_let_dig(c)) return true;
  if (utf8 && is_non_ascii(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '/':
    case '=':
    case '?':
    case '^':
    case '_':
    case '`':
    case '{':
    case '|':
    case '}':
    case '~':
      return true;
    default:
      return false;
  }
}

/// Dot-string = Atom *("." Atom)
bool is_dot_string(std::string_view text, bool utf8) noexcept {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  char previous = 0;
  for (char c : text) {
    if (c == '.') {
      if (previous == '.') return false;
    } else if (!is_atext(c, utf8)) {
      return false;
    }
    previous = c;
  }
  return true;
}

/// The index of the DQUOTE closing the Quoted-string that opens `text`, or
/// npos. qtextSMTP = %d32-33 / %d35-91 / %d93-126, quoted-pairSMTP = "\" %d32-126.
std::size_t quoted_string_end(std::string_view text, bool utf8) noexcept {
  for (std::size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') return i;
    if (c == '\\') {
      if (i + 1 >= text.size() || text[i + 1] < 32 || text[i + 1] > 126)
        return std::string_view::npos;
      ++i;
    } else if (!((c >= 32 && c <= 126) || (utf8 && is_non_ascii(c)))) {
      return std::string_view::npos;
    }
  }
  return std::string_view::npos;
}

/// Domain = sub-domain *("." sub-domain), sub-domain = Let-dig [Ldh-str];
/// RFC 6531 §3.3 allows U-labels, whose octets count as letters here.
bool is_domain(std::string_view text, bool utf8) noexcept {
  if (text.empty() || text.size() > 255) return false;
  std::size_t label = 0;
  char previous = '.';
  for (char c : text) {
    if (c == '.') {
      if (previous == '.' || previous == '-') return false;
      label = 0;
    } else if (is_let_dig(c) || (utf8 && is_non_ascii(c))) {
      if (++label > 63) return false;
    } else if (c == '-') {
      if (previous == '.') return false;
      if (++label > 63) return false;
    } else {
      return false;
    }
    previous = c;
  }
  return previous != '.' && previous != '-';
}

/// RFC 5321 §4.1.3: IPv4-address-literal = Snum 3("." Snum)
bool is_ipv4(std::string_view text) noexcept {
  int parts = 0;
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t end = std::min(text.find('.', at), text.size());
    const std::string_view snum = text.substr(at, end - at);
    if (snum.empty() || snum.size() > 3) return false;
    int value = 0;
    for (char c : snum) {
      if (!is_digit(c)) return false;
      value = value * 10 + (c - '0');
    }
    if (value > 255) return false;
    ++parts;
    at = end + 1;
  }
  return parts == 4;
}

/// RFC 5321 §4.1.3: address-literal = "[" ( IPv4 / IPv6 / General ) "]";
/// General-address-literal = Standardized-tag ":" 1*dcontent. IPv6 is read
/// by its characters only: the upstream MTA judges the address itself.
bool is_address_literal(std::string_view text) noexcept {
  if (text.size() < 3 || text.front() != '[' || text.back() != ']') return false;
  const std::string_view inner = text.substr(1, text.size() - 2);
  const std::size_t colon = inner.find(':');
  if (colon == std::string_view::npos) return is_ipv4(inner);
  const std::string_view tag = inner.substr(0, colon);
  const std::string_view content = inner.substr(colon + 1);
  if (tag.empty() || !is_let_dig(tag.front()) || tag.back() == '-' || content.empty()) return false;
  for (char c : tag) {
    if (!is_let_dig(c) && c != '-') return false;
  }
  const bool ipv6 = detail::iequals(tag, "IPv6");
  for (char c : content) {
    if (ipv6) {
      if (!detail::is_hex_digit(c) && c != ':' && c != '.') return false;
    } else if (!((c >= 33 && c <= 90) || (c >= 94 && c <= 126))) {  // dcontent
      return false;
    }
  }
  return true;
}

/// Mailbox = Local-part "@" ( Domain / address-literal ); nullopt when it is
/// one, else why not.
std::optional<std::string_view> mailbox_problem(std::string_view text, bool utf8) noexcept {
  std::size_t at = 0;
  if (!text.empty() && text.front() == '"') {
    const std::size_t close = quoted_string_end(text, utf8);
    if (close == std::string_view::npos) return "bad quoted local-part";
    at = close + 1;
    if (at >= text.size() || text[at] != '@') return "missing '@' after the local-part";
  } else {
    at = text.find('@');
    if (at == std::string_view::npos) return "missing '@'";
    if (!is_dot_string(text.substr(0, at), utf8)) return "bad local-part";
  }
  const std::string_view domain = text.substr(at + 1);
  if (domain.empty()) return "missing domain";
  if (domain.front() == '[') {
    if (!is_address_literal(domain)) return "bad address literal";
  } else if (!is_domain(domain, utf8)) {
    return "bad domain";
  }
  return std::nullopt;
}

/// The index of the ">" closing the path that opens `text` with "<",
/// skipping quoted local-parts, which may hold ">".
std::size_t path_end(std::string_view text) noexcept {
  bool quoted = false;
  for (std::size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted && c == '\\') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == '>') {
      return i;
    }
  }
  return std::string_view::npos;
}

/// The inside of the brackets: [A-d-l ":"] Mailbox, "" (MAIL) or Postmaster (RCPT).
ocp::Expected<std::string, CommandError> read_path(std::string_view inner, PathRole role,
                                                   bool utf8) {
  for (char c : inner) {
    if (is_non_ascii(c) && !utf8) {
      // RFC 6531 §3.7.4.1: a non-ASCII address in a transaction without SMTPUTF8.
      return ocp::unexpected(CommandError{553, "5.6.7", "Non-ASCII address needs SMTPUTF8"});
    }
  }
  if (utf8 && !detail::is_valid_utf8(inner)) {
    return ocp::unexpected(bad_path(role, "malformed UTF-8"));
  }
  if (inner.empty()) {
    if (role == PathRole::reverse_path) return std::string();
    return ocp::unexpected(bad_path(role, "empty forward-path"));
  }
  if (role == PathRole::forward_path && detail::iequals(inner, "Postmaster")) {
    return std::string(inner);  // RFC 5321 §4.1.1.3: "<Postmaster>" without a domain
  }
  if (inner.front() == '@') {
    // RFC 5321 §4.1.1.3 and Appendix C: a source route is accepted and ignored.
    const std::size_t colon = inner.find(':');
    if (colon == std::string_view::npos) return ocp::unexpected(bad_path(role, "bad source route"));
    std::string_view route = inner.substr(0, colon);
    while (!route.empty()) {
      const std::size_t comma = route.find(',');
      const std::string_view at_domain = route.substr(0, comma);
      if (at_domain.size() < 2 || at_domain.front() != '@' ||
          !is_domain(at_domain.substr(1), utf8)) {
        return ocp::unexpected(bad_path(role, "bad source route"));
      }
      if (comma == std::string_view::npos) break;
      route.remove_prefix(comma + 1);
      if (route.empty()) return ocp::unexpected(bad_path(role, "bad source route"));
    }
    inner.remove_prefix(colon + 1);
  }
  if (inner.size() + 2 > kMaxPathLength) {
    return ocp::unexpected(bad_path(role, "path longer than 256 octets"));
  }
  if (const auto problem = mailbox_problem(inner, utf8)) {
    return ocp::unexpected(bad_path(role, *problem));
  }
  return std::string(inner);
}

/// esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
bool is_esmtp_keyword(std::string_view text) noexcept {
  if (text.empty() || !is_let_dig(text.front())) return false;
  for (char c : text) {
    if (!is_let_dig(c) && c != '-') return false;
  }
  return true;
}

/// esmtp-value = 1*(%d33-60 / %d62-126), RFC 6531 §3.3 adds UTF8-non-ascii.
bool is_esmtp_value(std::string_view text, bool utf8) noexcept {
  if (text.empty()) return false;
  for (char c : text) {
    if (utf8 && is_non_ascii(c)) continue;
    if (c < 33 || c > 126 || c == '=') return false;
  }
  return !utf8 || detail::is_valid_utf8(text);
}

ocp::Expected<PathArgument, CommandError> read_path_argument(std::string_view text, PathRole role,
                                                             PathOptions options) {
  if (text.empty() || text.front() != '<') {
    return ocp::unexpected(bad_path(role, "the path must be enclosed in '<' and '>'"));
  }
  const std::size_t close = path_end(text);
  if (close == std::string_view::npos) return ocp::unexpected(bad_path(role, "missing '>'"));
  std::string_view rest = text.substr(close + 1);
  if (!rest.empty() && rest.front() != ' ') {
    return ocp::unexpected(bad_path(role, "text after '>' must follow a space"));
  }

  // Parameters first: for MAIL, SMTPUTF8 among them allows UTF-8 in the path.
  PathArgument argument;
  while (!rest.empty()) {
    const std::size_t start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) break;  // trailing spaces are tolerated
    rest.remove_prefix(start);
    const std::string_view token = rest.substr(0, rest.find(' '));
    rest.remove_prefix(token.size());
    if (argument.parameters.size() == kMaxParameters) {
      return ocp::unexpected(bad_parameter("Too many parameters"));
    }
    const std::size_t equals = token.find('=');
    MailParameter parameter{std::string(token.substr(0, equals)), std::nullopt};
    if (equals != std::string_view::npos) parameter.value = std::string(token.substr(equals + 1));
    if (!is_esmtp_keyword(parameter.keyword)) {
      return ocp::unexpected(bad_parameter("Bad parameter keyword syntax"));
    }
    if (argument.find(parameter.keyword) != nullptr) {
      return ocp::unexpected(bad_parameter("Duplicate parameter"));
    }
    argument.parameters.push_back(std::move(parameter));
  }
  const bool utf8 =
      options.smtputf8 || (role == PathRole::reverse_path && argument.find("SMTPUTF8") != nullptr);
  for (const MailParameter& parameter : argument.parameters) {
    if (parameter.value && !is_esmtp_value(*parameter.value, utf8)) {
      return ocp::unexpected(bad_parameter("Bad parameter value syntax"));
    }
  }

  auto path = read_path(text.substr(1, close - 1), role, utf8);
  if (!path) return ocp::unexpected(std::move(path).error());
  argument.path = std::move(*path);
  if (role == PathRole::reverse_path) {
    if (auto checked = check_mail_parameters(argument); !checked) {
      return ocp::unexpected(checked.error());
    }
  }
  return argument;
}

/// `FROM:` / `TO:` in any case, then any spaces (RFC 5321 has none; Postfix
/// and most MTAs accept them), then the path argument.
ocp::Expected<PathArgument, CommandError> read_command_argument(std::string_view argument,
                                                                std::string_view prefix,
                                                                PathRole role, PathOptions options,
                                                                std::string_view usage) {
  if (!detail::istarts_with(argument, prefix)) {
    return ocp::unexpected(CommandError{501, "5.5.4", std::string(usage)});
  }
  argument.remove_prefix(prefix.size());
  while (!argument.empty() && argument.front() == ' ') argument.remove_prefix(1);
  return read_path_argument(argument, role, options);
}

}  // namespace

const MailParameter* PathArgument::find(std::string_view keyword) const noexcept {
  for (const MailParameter& parameter : parameters) {
    if (detail::iequals(parameter.keyword, keyword)) return &parameter;
  }
  return nullptr;
}

ocp::Expected<PathArgument, CommandError> parse_mail_from(std::string_view argument,
                                                          PathOptions options) {
  return read_command_argument(argument, "FROM:", PathRole::reverse_path, options,
                               "Syntax: MAIL FROM:<address>");
}

ocp::Expected<PathArgument, CommandError> parse_rcpt_to(std::string_view argument,
                                                        PathOptions options) {
  return read_command_argument(argument, "TO:", PathRole::forward_path, options,
                               "Syntax: RCPT TO:<address>");
}

ocp::Expected<PathArgument, CommandError> parse_path_payload(std::string_view payload,
                                                             PathRole role, PathOptions options) {
  return read_path_argument(payload, role, options);
}

std::string format_path_argument(const PathArgument& argument) {
  std::string out = "<" + argument.path + ">";
  for (const MailParameter& parameter : argument.parameters) {
    out += ' ';
    out += parameter.keyword;
    if (parameter.value) {
      out += '=';
      out += *parameter.value;
    }
  }
  return out;
}

}  // namespace opes::smtp
