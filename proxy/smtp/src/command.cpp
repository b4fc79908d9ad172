#include "opes/smtp/command.hpp"

#include <array>
#include <utility>

#include "ascii.hpp"

namespace opes::smtp {

namespace {

constexpr std::array<std::pair<Verb, std::string_view>, 16> kVerbs{{
    {Verb::helo, "HELO"},
    {Verb::ehlo, "EHLO"},
    {Verb::mail, "MAIL"},
    {Verb::rcpt, "RCPT"},
    {Verb::data, "DATA"},
    {Verb::rset, "RSET"},
    {Verb::noop, "NOOP"},
    {Verb::quit, "QUIT"},
    {Verb::vrfy, "VRFY"},
    {Verb::expn, "EXPN"},
    {Verb::help, "HELP"},
    {Verb::starttls, "STARTTLS"},
    {Verb::auth, "AUTH"},
    {Verb::atrn, "ATRN"},
    {Verb::host, "HOST"},
    {Verb::bdat, "BDAT"},
}};

}  // namespace

Command parse_command(std::string_view line) {
  Command command;
  const std::size_t space = line.find(' ');
  command.verb_text = std::string(line.substr(0, space));
  if (space != std::string_view::npos) command.argument = std::string(line.substr(space + 1));
  for (const auto& [verb, name] : kVerbs) {
    if (detail::iequals(command.verb_text, name)) {
      command.verb = verb;
      break;
    }
  }
  return command;
}

std::optional<AuthArgument> parse_auth_argument(std::string_view argument) {
  const std::size_t space = argument.find(' ');
  const std::string_view mechanism = argument.substr(0, space);
  // RFC 4422 §3.1: sasl-mech = 1*20mech-char, mech-char = UPPER-ALPHA /
  // DIGIT / "-" / "_"; mechanism names compare case-insensitively in SMTP.
  if (mechanism.empty() || mechanism.size() > 20) return std::nullopt;
  AuthArgument auth;
  for (const char c : mechanism) {
    if (!detail::is_alnum(c) && c != '-' && c != '_') return std::nullopt;
    auth.mechanism += detail::to_upper(c);
  }
  if (space == std::string_view::npos) return auth;
  const std::string_view response = argument.substr(space + 1);
  if (response.empty() || response.find(' ') != std::string_view::npos) return std::nullopt;
  // RFC 4954 §4: a zero-length initial response is sent as a single "=".
  auth.initial_response = response == "=" ? std::string() : std::string(response);
  return auth;
}

std::string_view verb_name(Verb verb) noexcept {
  for (const auto& [known, name] : kVerbs) {
    if (known == verb) return name;
  }
  return {};
}

}  // namespace opes::smtp
