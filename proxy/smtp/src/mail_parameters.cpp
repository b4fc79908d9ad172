#include "opes/smtp/mail_parameters.hpp"

#include "ascii.hpp"

namespace opes::smtp {

namespace {

CommandError bad_parameter(std::string_view why) {
  return CommandError{555, "5.5.4", std::string(why)};
}

/// RFC 1870 §3: size-value ::= 1*20DIGIT; values beyond 2^64-1 saturate.
std::optional<std::uint64_t> read_size(std::string_view digits) noexcept {
  if (digits.empty() || digits.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : digits) {
    if (!detail::is_digit(c)) return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    value = value > (UINT64_MAX - digit) / 10 ? UINT64_MAX : value * 10 + digit;
  }
  return value;
}

std::vector<std::string> split_entries(std::string_view list) {
  std::vector<std::string> entries;
  std::size_t at = 0;
  while (true) {
    const std::size_t comma = list.find(',', at);
    entries.emplace_back(list.substr(at, comma - at));
    if (comma == std::string_view::npos) break;
    at = comma + 1;
  }
  return entries;
}

}  // namespace

std::optional<std::uint64_t> declared_size(const PathArgument& mail) {
  const MailParameter* size = mail.find("SIZE");
  if (size == nullptr || !size->value) return std::nullopt;
  return read_size(*size->value);
}

BodyType body_type(const PathArgument& mail) {
  const MailParameter* body = mail.find("BODY");
  if (body == nullptr || !body->value) return BodyType::unspecified;
  if (detail::iequals(*body->value, "8BITMIME")) return BodyType::eight_bit_mime;
  if (detail::iequals(*body->value, "7BIT")) return BodyType::seven_bit;
  return BodyType::unspecified;
}

bool requests_smtputf8(const PathArgument& mail) {
  return mail.find("SMTPUTF8") != nullptr;
}

bool requests_opes_trace(const PathArgument& mail) {
  return mail.find("OPESTRACE") != nullptr;
}

std::optional<std::vector<std::string>> opes_bypass(const PathArgument& mail) {
  const MailParameter* bypass = mail.find("OPESBYPASS");
  if (bypass == nullptr || !bypass->value) return std::nullopt;
  return split_entries(*bypass->value);
}

ocp::Expected<void, CommandError> check_mail_parameters(const PathArgument& mail) {
  for (const MailParameter& parameter : mail.parameters) {
    const std::string& keyword = parameter.keyword;
    if (detail::iequals(keyword, "SIZE")) {
      if (!parameter.value || !read_size(*parameter.value)) {
        return ocp::unexpected(bad_parameter("SIZE needs a decimal value (RFC 1870)"));
      }
    } else if (detail::iequals(keyword, "BODY")) {
      // RFC 6152 §2: body-value ::= "7BIT" / "8BITMIME"
      if (!parameter.value || (!detail::iequals(*parameter.value, "7BIT") &&
                               !detail::iequals(*parameter.value, "8BITMIME"))) {
        return ocp::unexpected(bad_parameter("BODY must be 7BIT or 8BITMIME"));
      }
    } else if (detail::iequals(keyword, "SMTPUTF8") || detail::iequals(keyword, "OPESTRACE")) {
      // RFC 6531 §3.4 and draft §4.2: both parameters take no value.
      if (parameter.value) return ocp::unexpected(bad_parameter(keyword + " takes no value"));
    } else if (detail::iequals(keyword, "OPESBYPASS")) {
      // draft §5: opesbypass=( "*" | 1#bypass-entry )
      if (!parameter.value) return ocp::unexpected(bad_parameter("OPESBYPASS needs a value"));
      const auto entries = split_entries(*parameter.value);
      for (const std::string& entry : entries) {
        if (entry.empty() || (entry == "*" && entries.size() > 1)) {
          return ocp::unexpected(
              bad_parameter("OPESBYPASS takes \"*\" or a list of agent identifiers"));
        }
      }
    }
  }
  return {};
}

}  // namespace opes::smtp
