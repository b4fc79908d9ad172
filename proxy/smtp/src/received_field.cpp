#include "opes/smtp/received_field.hpp"

namespace opes::smtp {

std::string address_literal(std::string_view address) {
  // RFC 4291 §2.5.5.2: an IPv4-mapped IPv6 address is the IPv4 client.
  if (address.size() > 7 && address.substr(0, 7) == "::ffff:" &&
      address.find('.') != std::string_view::npos) {
    address.remove_prefix(7);
  }
  // RFC 5321 §4.1.3: IPv6-address-literal = "IPv6:" IPv6-addr
  if (address.find(':') != std::string_view::npos) return "[IPv6:" + std::string(address) + "]";
  return "[" + std::string(address) + "]";
}

std::string_view received_protocol(const ReceivedInput& input) noexcept {
  if (!input.esmtp) return "SMTP";
  if (input.smtputf8) {
    if (input.authenticated) return input.tls ? "UTF8SMTPSA" : "UTF8SMTPA";
    return input.tls ? "UTF8SMTPS" : "UTF8SMTP";
  }
  if (input.authenticated) return input.tls ? "ESMTPSA" : "ESMTPA";
  return input.tls ? "ESMTPS" : "ESMTP";
}

namespace {

/// RFC 5322 §3.2.2 ctext with quoted-pairs: "(", ")" and "\\" escaped, and
/// nothing that could end the field or the line (controls, DEL) kept.
std::string comment_text(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto octet = static_cast<unsigned char>(c);
    if (octet < 0x20 || octet == 0x7f) continue;
    if (c == '(' || c == ')' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

ocp::smtp::HeaderField format_received(const ReceivedInput& input, std::string_view date) {
  const std::string_view helo = input.helo.empty() ? std::string_view("unknown") : input.helo;
  std::string body = " from " + std::string(helo) + " (" + address_literal(input.peer_address) + ")";
  // The login that sent it, for tracing abuse back (Postfix's
  // smtpd_sasl_authenticated_header); RFC 5321 §4.4 allows comments (CFWS)
  // between the clauses.
  if (input.authenticated && !input.identity.empty())
    body += "\r\n\t(Authenticated sender: " + comment_text(input.identity) + ")";
  body += "\r\n\tby " + std::string(input.by) + " (opes-proxy) with " +
                     std::string(received_protocol(input)) + " id " + std::string(input.id);
  if (!input.recipient.empty()) body += "\r\n\tfor <" + std::string(input.recipient) + ">";
  body += "; " + std::string(date);
  return ocp::smtp::HeaderField{"Received", std::move(body)};
}

}  // namespace opes::smtp
