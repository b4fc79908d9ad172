#include "opes/host/host_target.hpp"

#include <algorithm>
#include <charconv>

namespace opes::host {

namespace {

using boost::asio::ip::address;

bool is_letter_digit(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

/// RFC 1123 §2.1 labels (letters, digits, inner hyphens, 1 to 63 octets),
/// at most 253 octets in all; one trailing dot (the root) is dropped. The
/// last label must not be all digits (RFC 3696 §2): "127.1" or "2130706433"
/// would otherwise reach getaddrinfo, which reads them as IPv4 addresses.
ocp::Expected<std::string, std::string> parse_domain(std::string_view text) {
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  if (text.empty()) return ocp::unexpected(std::string("the name is empty"));
  if (text.size() > 253) return ocp::unexpected(std::string("the name is longer than 253 octets"));
  std::string name;
  name.reserve(text.size());
  std::size_t label_start = 0;
  bool label_all_digits = true;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '.') {
      const std::string_view label = text.substr(label_start, i - label_start);
      if (label.empty()) return ocp::unexpected(std::string("the name has an empty label"));
      if (label.size() > 63) return ocp::unexpected(std::string("a label is longer than 63 octets"));
      if (label.front() == '-' || label.back() == '-')
        return ocp::unexpected(std::string("a label starts or ends with a hyphen"));
      if (i == text.size() && label_all_digits)
        return ocp::unexpected(std::string("the last label is all digits"));
      if (i < text.size()) name.push_back('.');
      label_start = i + 1;
      label_all_digits = true;
      continue;
    }
    const char c = text[i];
    if (!is_letter_digit(c) && c != '-')
      return ocp::unexpected(std::string("the name may hold only letters, digits, hyphens and dots"));
    if (!(c >= '0' && c <= '9')) label_all_digits = false;
    name.push_back(lower(c));
  }
  return name;
}

ocp::Expected<std::uint16_t, std::string> parse_port(std::string_view text) {
  const std::string error = "port must be 1 to 65535";
  if (text.empty() || text.size() > 5) return ocp::unexpected(error);
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return ocp::unexpected(error);
  unsigned value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (value < 1 || value > 65535) return ocp::unexpected(error);
  return static_cast<std::uint16_t>(value);
}

std::optional<address> parse_literal(std::string_view text) {
  // No zone ("fe80::1%eth0"): it names an interface of the proxy, not a server.
  if (text.empty() || text.find('%') != std::string_view::npos) return std::nullopt;
  boost::system::error_code ec;
  const address parsed = boost::asio::ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  return parsed;
}

}  // namespace

std::string HostTarget::text() const {
  std::string out = literal && literal->is_v6() ? "[" + name + "]" : name;
  if (port != 0) out += ":" + std::to_string(port);
  return out;
}

ocp::Expected<HostTarget, std::string> parse_host_target(std::string_view argument) {
  if (argument.empty()) return ocp::unexpected(std::string("no server named"));
  if (argument.size() > kMaxHostArgument)
    return ocp::unexpected("the argument is longer than " + std::to_string(kMaxHostArgument) + " octets");
  HostTarget target;
  std::string_view host = argument;
  std::string_view port;
  bool has_port = false;
  if (argument.front() == '[') {
    const auto close = argument.find(']');
    if (close == std::string_view::npos) return ocp::unexpected(std::string("'[' without ']'"));
    host = argument.substr(1, close - 1);
    const std::string_view rest = argument.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return ocp::unexpected(std::string("only ':port' may follow ']'"));
      port = rest.substr(1);
      has_port = true;
    }
    auto literal = parse_literal(host);
    if (!literal) return ocp::unexpected(std::string("the brackets hold no IP address"));
    target.literal = *literal;
  } else {
    const auto colon = argument.find(':');
    if (colon != std::string_view::npos) {
      if (argument.find(':', colon + 1) != std::string_view::npos)
        return ocp::unexpected(std::string("an IPv6 address must be in brackets"));
      host = argument.substr(0, colon);
      port = argument.substr(colon + 1);
      has_port = true;
    }
    // An IPv4 literal is four decimal octets (inet_pton); anything else
    // must be a domain name.
    boost::system::error_code ec;
    const auto v4 = boost::asio::ip::make_address_v4(std::string(host), ec);
    if (!ec) {
      target.literal = address(v4);
    } else {
      auto name = parse_domain(host);
      if (!name) return ocp::unexpected(std::move(name).error());
      target.name = std::move(*name);
    }
  }
  if (target.literal) target.name = target.literal->to_string();
  if (has_port) {
    auto parsed = parse_port(port);
    if (!parsed) return ocp::unexpected(std::move(parsed).error());
    target.port = *parsed;
  }
  return target;
}

}  // namespace opes::host
