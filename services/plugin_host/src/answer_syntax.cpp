#include "opes/plugin_host/answer_syntax.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "ocp/smtp/header_field.hpp"
#include "ocp/smtp/reply.hpp"

namespace opes::plugin_host {

Expected<void, std::string> check_rejection_reply(std::string_view reply) {
  auto parsed = ocp::smtp::parse_reply(reply);
  if (!parsed) return unexpected(std::move(parsed).error().reason);
  if (!parsed->is_error()) {
    return unexpected("SMTP reply code " + std::to_string(parsed->code) +
                      " is not a 4yz or 5yz rejection");
  }
  return {};
}

Expected<void, std::string> check_header_field(std::string_view field) {
  auto parsed = ocp::smtp::parse_header_fields(field);
  if (!parsed) return unexpected(std::move(parsed).error().reason);
  if (parsed->size() != 1) {
    return unexpected(std::string(
        "a line break not followed by SP or HTAB starts a second header field (RFC 5322 §2.2.3)"));
  }
  // RFC 5322 §3.2.5 and §4: control characters in a body are obsolete syntax,
  // which must not be generated; CR and LF are left only where folding put them.
  const bool control = std::any_of(field.begin(), field.end(), [](char c) {
    const auto octet = static_cast<unsigned char>(c);
    return (octet < 32 && c != '\t' && c != '\r' && c != '\n') || octet == 127;
  });
  if (control) return unexpected(std::string("header field contains a control character"));
  return {};
}

}  // namespace opes::plugin_host
