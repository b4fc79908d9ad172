#pragma once
// Drives a ServerCore the way a session does, and spells its events as
// short strings so that tests compare whole sequences.

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "ocp/smtp/reply.hpp"
#include "opes/smtp/server_core.hpp"

namespace opes::smtp::test {

inline std::string describe(const ServerEvent& event) {
  struct Describe {
    std::string operator()(const CommandReceived& e) const {
      std::string text = "command " + e.command.verb_text;
      if (!e.command.argument.empty()) text += " " + e.command.argument;
      if (e.path) text += " path=" + e.path->path;
      if (e.auth) {
        text += " mechanism=" + e.auth->mechanism;
        if (e.auth->initial_response) text += " response=" + *e.auth->initial_response;
      }
      return text;
    }
    std::string operator()(const ContinuationLine& e) const { return "continuation " + e.line; }
    std::string operator()(const DataChunk& e) const { return "chunk " + e.bytes; }
    std::string operator()(const DataEnd& e) const {
      return e.refusal ? "end refused " + e.refusal->text() : "end " + std::to_string(e.size);
    }
    std::string operator()(const TransactionReset&) const { return "reset"; }
    std::string operator()(const TlsRequested&) const { return "tls"; }
    std::string operator()(const CloseRequested& e) const {
      switch (e.reason) {
        case CloseReason::quit:
          return "close quit";
        case CloseReason::too_many_errors:
          return "close too many errors";
        case CloseReason::pipelining_violation:
          return "close pipelining violation";
      }
      return "close";
    }
    std::string operator()(const ClientClosed&) const { return "client closed"; }
    std::string operator()(const AuthCancelled&) const { return "auth cancelled"; }
  };
  return std::visit(Describe{}, event);
}

/// Every event available now, described.
inline std::vector<std::string> drain(ServerCore& core) {
  std::vector<std::string> out;
  while (auto event = core.next_event()) out.push_back(describe(*event));
  return out;
}

inline std::vector<std::string> feed(ServerCore& core, std::string_view bytes) {
  core.receive(bytes);
  return drain(core);
}

inline std::string take_output(ServerCore& core) {
  std::string out(core.pending_output());
  core.consume_output(out.size());
  return out;
}

inline ocp::smtp::Reply reply(std::string_view text) {
  auto parsed = ocp::smtp::parse_reply(text);
  REQUIRE_MESSAGE(parsed, (parsed ? "" : parsed.error().reason));
  return *parsed;
}

inline void answer(ServerCore& core, std::string_view text) {
  auto done = core.reply(reply(text));
  REQUIRE_MESSAGE(done, (done ? "" : done.error().reason));
}

using Events = std::vector<std::string>;

/// A core that has greeted the client with EHLO, output taken.
inline ServerCore greeted_core(ServerLimits limits = {}, ServerOptions options = {}) {
  ServerCore core(limits, std::move(options));
  core.receive("EHLO client.example\r\n");
  REQUIRE(drain(core) == Events{"command EHLO client.example"});
  answer(core, "250 mx.example.org");
  take_output(core);
  return core;
}

/// MAIL and one RCPT accepted, DATA answered 354, output taken.
inline ServerCore core_in_data(ServerLimits limits = {}) {
  ServerCore core = greeted_core(limits);
  core.receive("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n");
  REQUIRE(drain(core).size() == 1);
  answer(core, "250 2.1.0 Ok");
  REQUIRE(drain(core).size() == 1);
  answer(core, "250 2.1.5 Ok");
  REQUIRE(drain(core).size() == 1);
  answer(core, "354 End data with <CR><LF>.<CR><LF>");
  take_output(core);
  return core;
}

}  // namespace opes::smtp::test
