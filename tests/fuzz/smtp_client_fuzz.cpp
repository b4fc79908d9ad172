// libFuzzer target for the SMTP client core: arbitrary server bytes, fed in
// splits chosen by the input, answered the way the upstream delivery would
// (EHLO after the greeting, STARTTLS when offered and the seed asks, then
// MAIL, RCPT and DATA, pipelined when PIPELINING is offered, the content
// and QUIT). The core must never crash, never hold more than its limits
// allow, never let a misuse through, and (when no STARTTLS made the split
// matter) give the same transcript as when fed in one piece.
//
// Input layout: the first octet seeds the split sizes and the client's
// choices; the rest is what the server sends.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "opes/smtp/client_core.hpp"

namespace {

using namespace opes::smtp;

[[noreturn]] void violated(const char* property) {
  std::fprintf(stderr, "property violated: %s\n", property);
  std::abort();
}

ClientOptions fuzz_options() {
  ClientOptions options;
  options.helo_name = "proxy.example";
  options.limits.replies.max_line_length = 200;
  options.limits.replies.max_lines = 20;
  options.limits.max_pipelined = 8;
  options.limits.max_unread = 4096;
  return options;
}

struct Transcript {
  std::string text;    // the events
  std::string output;  // what the client sent
  bool tls = false;
};

void queue_transaction(ClientCore& core, std::uint8_t seed) {
  const PathArgument from{"a@example.org", {{"SIZE", "10"}, {"BODY", "8BITMIME"}, {"SMTPUTF8", ""}}};
  auto mail = core.mail(from);
  if (!mail) {
    // Only a SMTPUTF8 the server lacks may refuse a MAIL here, with a reply.
    if (!mail.error().reply || core.capabilities().smtputf8) violated("MAIL refused after EHLO");
    const PathArgument ascii{"a@example.org", {{"SIZE", "10"}}};
    if (!core.mail(ascii)) violated("MAIL refused after EHLO");
  }
  if (!core.capabilities().pipelining) return;
  for (int i = 0; i <= (seed & 3); ++i) {
    if (!core.rcpt(PathArgument{"b@example.com", {{"NOTIFY", "NEVER"}}})) violated("pipelined RCPT refused");
  }
  if (!core.data()) violated("pipelined DATA refused");
  if (core.may_send(ClientStep::rset)) violated("a command accepted behind DATA");
}

void drive(ClientCore& core, std::uint8_t seed, Transcript& transcript) {
  const ClientOptions limits = fuzz_options();
  while (auto event = core.next_event()) {
    if (core.awaiting() > limits.limits.max_pipelined) violated("more awaited than max_pipelined");
    if (const auto* failed = std::get_if<ClientFailed>(&*event)) {
      if (!core.closed()) violated("a failure left the core open");
      transcript.text += "F" + failed->reason + "\n";
      continue;
    }
    const auto& [step, reply] = std::get<ClientReply>(*event);
    if (reply.lines.empty() || reply.lines.size() > limits.limits.replies.max_lines) {
      violated("reply line count");
    }
    transcript.text += std::string(describe(step)) + " " + reply.wire();
    if (core.closed()) continue;
    switch (step) {
      case ClientStep::greeting:
        if (reply.code == 220) {
          if (!core.ehlo()) violated("EHLO refused after a 220");
        } else if (!core.quit()) {
          violated("QUIT refused after a refused greeting");
        }
        break;
      case ClientStep::ehlo:
      case ClientStep::helo:
        if (!core.greeted()) break;
        if ((seed & 4) && core.capabilities().starttls && !core.tls_active()) {
          if (!core.starttls()) violated("STARTTLS refused when offered");
        } else {
          queue_transaction(core, seed);
        }
        break;
      case ClientStep::starttls:
        if (core.tls_pending()) {
          transcript.tls = true;
          if (!core.tls_started()) violated("tls_started refused after 220");
          if (core.greeted()) violated("greeted after the handshake");
          if (!core.ehlo()) violated("EHLO refused after the handshake");
        } else {
          queue_transaction(core, seed);
        }
        break;
      case ClientStep::mail:
        if (!core.capabilities().pipelining && reply.is_positive()) {
          if (!core.rcpt(PathArgument{"b@example.com", {}})) violated("RCPT refused after MAIL");
        }
        break;
      case ClientStep::rcpt:
        if (!core.capabilities().pipelining && !core.data()) violated("DATA refused after RCPT");
        break;
      case ClientStep::data:
        if (reply.code == 354) {
          if (!core.in_content()) violated("no content after 354");
          if (!core.content(".leading dot\r\nline\r")) violated("content refused after 354");
          if (!core.end_content()) violated("end of content refused");
          if (core.capabilities().pipelining && !core.quit()) violated("QUIT refused behind the dot");
        } else if (!core.rset()) {
          violated("RSET refused after a refused DATA");
        }
        break;
      case ClientStep::message:
        if (!core.capabilities().pipelining && !core.quit()) violated("QUIT refused after the dot");
        break;
      case ClientStep::rset:
        (void)core.quit();
        break;
      default:
        break;
    }
  }
  if (core.pending_output().size() > 1 << 16) violated("output grows without bound");
  transcript.output += core.pending_output();
  core.consume_output(core.pending_output().size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t seed = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  Transcript split;
  {
    ClientCore core(fuzz_options());
    std::uint32_t state = seed * 2654435761u + 3;
    std::size_t at = 0;
    while (at < input.size()) {
      state = state * 1103515245u + 12345u;
      const std::size_t length = 1 + (state >> 16) % 97;
      core.receive(input.substr(at, length));
      at += length;
      drive(core, seed, split);
    }
    core.receive_eof();
    drive(core, seed, split);
    if (core.awaiting() != 0 && !core.closed() && !core.tls_pending() && !core.in_content()) {
      violated("EOF left a reply awaited");
    }
  }

  if (split.tls) return 0;  // bytes after a 220 to STARTTLS depend on where the input was cut
  // Fed whole, more than max_unread may wait before the command it answers.
  if (input.size() > fuzz_options().limits.max_unread) return 0;
  Transcript whole;
  ClientCore core(fuzz_options());
  core.receive(input);
  core.receive_eof();
  drive(core, seed, whole);
  if (whole.text != split.text) violated("the split of the input changed the events");
  if (whole.output != split.output) violated("the split of the input changed what was sent");
  return 0;
}
