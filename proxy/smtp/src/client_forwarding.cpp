#include "opes/smtp/client_forwarding.hpp"

#include <algorithm>
#include <utility>

#include "ascii.hpp"
#include "ocp/smtp/xtext.hpp"

namespace opes::smtp {

namespace {

/// ADDR: "Address information is not enclosed with []"; IPv6 addresses are
/// prefixed with "IPV6:". An IPv4 client on a dual-stack socket
/// (::ffff:a.b.c.d) is its IPv4 address.
std::string address_value(std::string_view address) {
  if (address.empty()) return std::string(kUnavailable);
  constexpr std::string_view kMapped = "::ffff:";
  if (address.size() > kMapped.size() && detail::istarts_with(address, kMapped) &&
      address.find('.') != std::string_view::npos) {
    return std::string(address.substr(kMapped.size()));
  }
  if (address.find(':') != std::string_view::npos) return "IPV6:" + std::string(address);
  return std::string(address);
}

std::string encoded(std::string_view value) {
  if (value.empty()) return std::string(kUnavailable);
  std::string text = ocp::smtp::encode_xtext(value);
  return text.size() > kMaxForwardValue ? std::string(kUnavailable) : text;
}

/// Our attributes in the order they are sent.
std::vector<std::pair<std::string_view, std::string>> attributes(ForwardCommand command,
                                                                 const ForwardedClient& client) {
  std::vector<std::pair<std::string_view, std::string>> out;
  out.emplace_back("HELO", encoded(client.helo));
  out.emplace_back("PROTO", client.esmtp ? "ESMTP" : "SMTP");
  if (command == ForwardCommand::xclient) {
    out.emplace_back("LOGIN", std::string(kUnavailable));
  } else {
    out.emplace_back("IDENT", encoded(client.ident));
    // SOURCE=REMOTE: the mail came from the network, not from local submission.
    out.emplace_back("SOURCE", "REMOTE");
  }
  out.emplace_back("NAME", std::string(kUnavailable));
  out.emplace_back("ADDR", encoded(address_value(client.address)));
  out.emplace_back("PORT", client.port == 0 ? std::string(kUnavailable) : std::to_string(client.port));
  return out;
}

}  // namespace

std::vector<std::string> offered_attributes(const ServerCapabilities& capabilities,
                                            std::string_view keyword) {
  std::vector<std::string> names;
  for (const std::string& line : capabilities.keywords) {
    const std::string_view text = line;
    const std::size_t space = text.find(' ');
    if (!detail::iequals(text.substr(0, space), keyword)) continue;
    std::size_t at = space;
    while (at != std::string_view::npos && at < text.size()) {
      const std::size_t start = text.find_first_not_of(' ', at);
      if (start == std::string_view::npos) break;
      const std::size_t end = std::min(text.find(' ', start), text.size());
      std::string name(text.substr(start, end - start));
      std::transform(name.begin(), name.end(), name.begin(),
                     [](char c) { return detail::to_upper(c); });
      names.push_back(std::move(name));
      at = end;
    }
  }
  return names;
}

std::vector<std::string> format_client_forwarding(ForwardCommand command,
                                                  const ForwardedClient& client,
                                                  const std::vector<std::string>& offered) {
  const std::string verb = command == ForwardCommand::xclient ? "XCLIENT" : "XFORWARD";
  std::vector<std::string> lines;
  std::string line;
  // Filled greedily in the order of attributes(): when they do not fit in
  // one line, ADDR still comes in the last command.
  for (auto& [name, value] : attributes(command, client)) {
    if (std::find(offered.begin(), offered.end(), name) == offered.end()) continue;
    const std::string token = " " + std::string(name) + "=" + value;
    if (!line.empty() && line.size() + token.size() + 2 > kMaxForwardLine) {
      lines.push_back(line + "\r\n");
      line.clear();
    }
    if (line.empty()) line = verb;
    line += token;
  }
  if (!line.empty()) lines.push_back(line + "\r\n");
  return lines;
}

}  // namespace opes::smtp
