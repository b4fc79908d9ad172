#pragma once
// Drives a ClientCore the way a client session does, and spells its events
// as short strings ("MAIL 250 2.1.0 Ok", "failed malformed_reply: ...") so
// that tests compare whole dialogues.

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "opes/smtp/client_core.hpp"

namespace opes::smtp::test {

inline std::string describe_event(const ClientEvent& event) {
  if (const auto* replied = std::get_if<ClientReply>(&event)) {
    std::string text = std::string(describe(replied->step)) + " " + std::to_string(replied->reply.code);
    for (const std::string& line : replied->reply.lines) text += " " + line;
    return text;
  }
  const auto& failed = std::get<ClientFailed>(event);
  std::string kind;
  switch (failed.failure) {
    case ClientFailure::malformed_reply: kind = "malformed_reply"; break;
    case ClientFailure::plaintext_injection: kind = "plaintext_injection"; break;
    case ClientFailure::server_closed: kind = "server_closed"; break;
    case ClientFailure::unsolicited: kind = "unsolicited"; break;
  }
  return "failed " + kind + ": " + failed.reason;
}

using ClientEvents = std::vector<std::string>;

inline ClientEvents drain(ClientCore& core) {
  ClientEvents out;
  while (auto event = core.next_event()) out.push_back(describe_event(*event));
  return out;
}

/// What the server says, and every event it causes.
inline ClientEvents server_says(ClientCore& core, std::string_view bytes) {
  core.receive(bytes);
  return drain(core);
}

/// What the client has to send, taken.
inline std::string sent(ClientCore& core) {
  std::string out(core.pending_output());
  core.consume_output(out.size());
  return out;
}

#define REQUIRE_SENT(call)                                                   \
  do {                                                                       \
    auto done_ = (call);                                                     \
    REQUIRE_MESSAGE(done_, (done_ ? std::string() : done_.error().reason)); \
  } while (false)

inline ClientOptions named(std::string helo_name, bool greeting_read = false) {
  ClientOptions options;
  options.helo_name = std::move(helo_name);
  options.greeting_read = greeting_read;
  return options;
}

inline constexpr std::string_view kEhloReply =
    "250-mx.example.com Hello\r\n"
    "250-PIPELINING\r\n"
    "250-SIZE 10240000\r\n"
    "250-8BITMIME\r\n"
    "250-STARTTLS\r\n"
    "250 ENHANCEDSTATUSCODES\r\n";

/// Greeted with 220, EHLO answered by `ehlo_reply`, output taken.
inline ClientCore greeted_client(std::string_view ehlo_reply = kEhloReply, ClientOptions options = {}) {
  if (options.helo_name == "localhost") options.helo_name = "proxy.example.org";
  ClientCore core(std::move(options));
  REQUIRE(server_says(core, "220 mx.example.com ESMTP\r\n") ==
          ClientEvents{"greeting 220 mx.example.com ESMTP"});
  REQUIRE_SENT(core.ehlo());
  REQUIRE(sent(core) == "EHLO proxy.example.org\r\n");
  const ClientEvents events = server_says(core, ehlo_reply);
  REQUIRE(events.size() == 1);
  REQUIRE(core.greeted());
  return core;
}

}  // namespace opes::smtp::test
