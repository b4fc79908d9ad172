#include "opes/smtp/offered_parameters.hpp"

#include <array>

#include "ascii.hpp"
#include "ocp/smtp/xtext.hpp"

namespace opes::smtp {

namespace {

CommandError not_offered(std::string_view keyword) {
  return CommandError{555, "5.5.4", std::string(keyword) + " is not offered"};
}

CommandError bad_dsn(std::string why) {
  return CommandError{501, "5.5.4", std::move(why)};
}

bool offered_for_mail(std::string_view keyword, const OfferedExtensions& offered) noexcept {
  using detail::iequals;
  if (iequals(keyword, "SIZE")) return offered.size;
  if (iequals(keyword, "BODY")) return offered.eight_bit_mime;
  if (iequals(keyword, "SMTPUTF8")) return offered.smtputf8;
  if (iequals(keyword, "RET") || iequals(keyword, "ENVID")) return offered.dsn;
  if (iequals(keyword, "OPESTRACE") || iequals(keyword, "OPESBYPASS")) return offered.opes;
  return false;
}

bool offered_for_rcpt(std::string_view keyword, const OfferedExtensions& offered) noexcept {
  using detail::iequals;
  if (iequals(keyword, "NOTIFY") || iequals(keyword, "ORCPT")) return offered.dsn;
  return false;
}

/// RFC 3461 §4.2, §4.4: "prior to encoding as xtext MUST consist entirely of
/// printable (graphic and white space) characters from the US-ASCII repertoire".
ocp::Expected<void, CommandError> check_xtext(std::string_view keyword, std::string_view xtext) {
  auto decoded = ocp::smtp::decode_xtext(xtext);
  if (!decoded) return ocp::unexpected(bad_dsn(std::string(keyword) + " value is not xtext"));
  for (char c : *decoded) {
    if (c < 32 || c > 126) {
      return ocp::unexpected(bad_dsn(std::string(keyword) + " value is not printable US-ASCII"));
    }
  }
  return {};
}

ocp::Expected<void, CommandError> check_ret(const std::optional<std::string>& value) {
  // RFC 3461 §4.3: ret-value = "FULL" / "HDRS"
  if (!value || (!detail::iequals(*value, "FULL") && !detail::iequals(*value, "HDRS"))) {
    return ocp::unexpected(bad_dsn("RET must be FULL or HDRS"));
  }
  return {};
}

ocp::Expected<void, CommandError> check_envid(const std::optional<std::string>& value) {
  // RFC 3461 §4.4: envid-value = xtext, at most 100 characters.
  if (!value || value->size() > kMaxEnvidLength) {
    return ocp::unexpected(bad_dsn("ENVID needs an xtext value of at most 100 characters"));
  }
  return check_xtext("ENVID", *value);
}

ocp::Expected<void, CommandError> check_notify(const std::optional<std::string>& value) {
  // RFC 3461 §4.1: notify-esmtp-value = "NEVER" / 1#notify-list-element,
  // notify-list-element = "SUCCESS" / "FAILURE" / "DELAY"
  const CommandError wrong = bad_dsn("NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY");
  if (!value) return ocp::unexpected(wrong);
  if (detail::iequals(*value, "NEVER")) return {};
  static constexpr std::array<std::string_view, 3> kElements{"SUCCESS", "FAILURE", "DELAY"};
  std::array<bool, 3> seen{};
  std::string_view rest = *value;
  for (;;) {
    const std::size_t comma = rest.find(',');
    const std::string_view element = rest.substr(0, comma);
    bool known = false;
    for (std::size_t i = 0; i < kElements.size(); ++i) {
      if (!detail::iequals(element, kElements[i])) continue;
      if (seen[i]) return ocp::unexpected(wrong);
      seen[i] = known = true;
    }
    if (!known) return ocp::unexpected(wrong);
    if (comma == std::string_view::npos) return {};
    rest.remove_prefix(comma + 1);
  }
}

/// RFC 5322 §3.2.3 atext, the characters of an atom.
bool is_atext(char c) noexcept {
  return detail::is_alpha(c) || detail::is_digit(c) ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

ocp::Expected<void, CommandError> check_orcpt(const std::optional<std::string>& value) {
  // RFC 3461 §4.2: orcpt-parameter = "ORCPT=" original-recipient-address,
  // original-recipient-address = addr-type ";" xtext, addr-type = atom.
  const CommandError wrong = bad_dsn("ORCPT must be addr-type;xtext of at most 500 characters");
  if (!value || value->size() > kMaxOrcptLength) return ocp::unexpected(wrong);
  const std::size_t semicolon = value->find(';');
  if (semicolon == 0 || semicolon == std::string::npos || semicolon + 1 == value->size()) {
    return ocp::unexpected(wrong);
  }
  const std::string_view type = std::string_view(*value).substr(0, semicolon);
  for (char c : type) {
    if (!is_atext(c)) return ocp::unexpected(wrong);
  }
  const std::string_view address = std::string_view(*value).substr(semicolon + 1);
  // RFC 6533 §3: the "utf-8" type carries utf-8-addr-xtext or -unitext, which
  // may hold UTF-8 (the path parser admitted it only with SMTPUTF8).
  if (detail::iequals(type, "utf-8")) return {};
  return check_xtext("ORCPT", address);
}

}  // namespace

ocp::Expected<void, CommandError> check_offered_parameters(const PathArgument& argument,
                                                           PathRole role,
                                                           const OfferedExtensions& offered) {
  const bool mail = role == PathRole::reverse_path;
  for (const MailParameter& parameter : argument.parameters) {
    const bool taken = mail ? offered_for_mail(parameter.keyword, offered)
                            : offered_for_rcpt(parameter.keyword, offered);
    if (!taken) return ocp::unexpected(not_offered(parameter.keyword));
  }
  for (const MailParameter& parameter : argument.parameters) {
    const std::string& keyword = parameter.keyword;
    ocp::Expected<void, CommandError> checked;
    if (detail::iequals(keyword, "RET"))
      checked = check_ret(parameter.value);
    else if (detail::iequals(keyword, "ENVID"))
      checked = check_envid(parameter.value);
    else if (detail::iequals(keyword, "NOTIFY"))
      checked = check_notify(parameter.value);
    else if (detail::iequals(keyword, "ORCPT"))
      checked = check_orcpt(parameter.value);
    if (!checked) return checked;
  }
  return {};
}

}  // namespace opes::smtp
