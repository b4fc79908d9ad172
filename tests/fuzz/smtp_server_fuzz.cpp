// libFuzzer target for the SMTP server core: arbitrary client bytes, fed in
// splits chosen by the input, answered the way a session would (250 to most
// commands, 354 to DATA, 220 to STARTTLS then tls_started(), 334/235/535 to
// AUTH and its continuation lines, 250 to ATRN and 220 to HOST with
// reply_and_release()). The core must never crash, never keep more than its
// limits allow, never pass on a command its table refuses (HOST without
// host_first, AUTH once authenticated, MAIL/RCPT/DATA unauthenticated under
// require_auth, a "*" inside an AUTH exchange), and (when no STARTTLS and no
// input pipelined behind a refused DATA made the split matter) give the same
// transcript as when fed in one piece, the octets handed over at a release
// (take_unread() and what was not fed yet) included.
//
// Input layout: the first octet seeds the split sizes and the answers (bit
// 0x80 bare line endings, 0x40 host_first, 0x20 require_auth, 0x10 ATRN
// releases, 0x08 HOST releases, 0x01 RCPT refused); the rest is what the
// client sends.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "opes/smtp/server_core.hpp"
#include "opes/smtp/server_replies.hpp"

namespace {

using namespace opes::smtp;

[[noreturn]] void violated(const char* property) {
  std::fprintf(stderr, "property violated: %s\n", property);
  std::abort();
}

ServerLimits fuzz_limits() {
  ServerLimits limits;
  limits.max_command_line = 128;
  limits.max_data_line = 100;
  limits.max_message_size = 2000;
  limits.max_recipients = 5;
  limits.max_bad_commands = 20;
  limits.data_chunk_size = 64;
  limits.max_buffered_input = 512;
  limits.max_sasl_line = 300;
  return limits;
}

ocp::smtp::Reply one_line(std::uint16_t code, std::string text) {
  return ocp::smtp::Reply{code, {std::move(text)}};
}

ServerOptions fuzz_options(std::uint8_t seed) {
  ServerOptions options;
  options.bare_line_endings = (seed & 0x80) ? BareLineEndings::normalize : BareLineEndings::reject;
  options.host_first = (seed & 0x40) != 0;
  options.require_auth = (seed & 0x20) != 0;
  return options;
}

struct Transcript {
  std::string text;    // the events
  std::string output;  // the replies
  bool tls = false;
  bool pipelining_closed = false;  // whether input was behind a refused DATA depends on the split
  bool in_auth_exchange = false;   // the last answer was a 334 to AUTH or its continuation
  bool released = false;
  std::string handed_over;  // take_unread() and the input not fed yet, at the release
};

/// What a session's policy may answer an AUTH line: the sizes pick it.
std::uint16_t auth_answer(std::size_t size) {
  switch (size % 3) {
    case 0:
      return 235;
    case 1:
      return 334;
    default:
      return 535;
  }
}

/// Answers and records every event available now; the answers depend on the
/// events only, so any split of the input must give the same transcript.
/// `not_fed` is the input the core has not been given yet.
void drive(ServerCore& core, std::uint8_t seed, Transcript& transcript, std::string_view not_fed) {
  const ServerLimits limits = fuzz_limits();
  const ServerOptions options = fuzz_options(seed);
  while (auto event = core.next_event()) {
    if (core.released()) violated("an event after the release");
    std::optional<ocp::smtp::Reply> answer;
    bool release = false;
    if (const auto* command = std::get_if<CommandReceived>(&*event)) {
      transcript.text += "C" + command->command.verb_text + "\n";
      transcript.in_auth_exchange = false;
      const Verb verb = command->command.verb;
      if (verb == Verb::host && !options.host_first) violated("HOST without host_first");
      if (verb == Verb::auth && (core.authenticated() || !command->auth)) {
        violated("AUTH once authenticated or without its argument");
      }
      if ((verb == Verb::mail || verb == Verb::rcpt || verb == Verb::data) &&
          options.require_auth && !core.authenticated()) {
        violated("a mail command before authentication under require_auth");
      }
      switch (verb) {
        case Verb::ehlo:
          answer = ehlo_reply("mx.example", "hi", {"PIPELINING", "SIZE 2000", "STARTTLS"});
          break;
        case Verb::data:
          answer = one_line(354, "go ahead");
          break;
        case Verb::starttls:
          answer = one_line(220, "2.0.0 Ready");
          break;
        case Verb::auth: {
          const auto& response = command->auth->initial_response;
          answer = one_line(response ? auth_answer(response->size()) : 334, "");
          transcript.in_auth_exchange = answer->code == 334;
          break;
        }
        case Verb::atrn:
          answer = one_line(250, "OK now reversing the connection");
          release = (seed & 0x10) != 0;
          break;
        case Verb::host:
          answer = one_line(220, "relayed greeting");
          release = (seed & 0x08) != 0;
          break;
        case Verb::rcpt:
          answer = one_line((seed & 1) ? 550 : 250, "rcpt");
          break;
        case Verb::unknown:
          answer = one_line(500, "5.5.1 unknown");
          break;
        default:
          answer = one_line(250, "ok");
          break;
      }
    } else if (const auto* line = std::get_if<ContinuationLine>(&*event)) {
      transcript.text += "L" + line->line + "\n";
      if (line->line.size() + 2 > limits.max_sasl_line) violated("a SASL line over the limit");
      if (transcript.in_auth_exchange && line->line == "*") violated("a * line not cancelling");
      answer = one_line(auth_answer(line->line.size()), "");
      transcript.in_auth_exchange = transcript.in_auth_exchange && answer->code == 334;
    } else if (std::holds_alternative<AuthCancelled>(*event)) {
      if (!transcript.in_auth_exchange) violated("AuthCancelled outside an AUTH exchange");
      transcript.in_auth_exchange = false;
      transcript.text += "A\n";
    } else if (const auto* chunk = std::get_if<DataChunk>(&*event)) {
      if (chunk->bytes.empty() || chunk->bytes.size() > limits.data_chunk_size + 1) {
        violated("data chunk size out of bounds");
      }
      transcript.text += "D" + chunk->bytes;
    } else if (const auto* end = std::get_if<DataEnd>(&*event)) {
      if (!end->refusal && end->size > limits.max_message_size) violated("message over the size limit");
      transcript.text += "E" + std::to_string(end->size) + "\n";
      answer = end->refusal ? *end->refusal : one_line(250, "queued");
    } else if (const auto* close = std::get_if<CloseRequested>(&*event);
               close && close->reason == CloseReason::pipelining_violation) {
      transcript.pipelining_closed = true;
      transcript.text += "X\n";
    } else if (std::holds_alternative<TlsRequested>(*event)) {
      transcript.tls = true;
      if (!core.tls_started()) violated("tls_started refused after TlsRequested");
    } else {
      transcript.text += "X\n";
    }
    if (answer && release) {
      if (!core.reply_and_release(*answer)) violated("a positive reply could not release");
    } else if (answer && !core.reply(*answer)) {
      violated("an awaited reply was refused");
    }
  }
  if (core.released() && !transcript.released) {
    transcript.released = true;
    if (core.wants_input() || core.closed()) violated("a released core reads or closes");
    transcript.handed_over = core.take_unread() + std::string(not_fed);
    if (!core.take_unread().empty()) violated("take_unread() gave octets twice");
  }
  if (core.pending_output().size() > 1 << 20) violated("output grows without bound");
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
    ServerCore core(fuzz_limits(), fuzz_options(seed));
    std::uint32_t state = seed * 2654435761u + 1;
    std::size_t at = 0;
    while (at < input.size()) {
      state = state * 1103515245u + 12345u;
      const std::size_t length = 1 + (state >> 16) % 97;
      core.receive(input.substr(at, length));
      at += length;
      drive(core, seed, split, input.substr(std::min(at, input.size())));
    }
    core.receive_eof();
    drive(core, seed, split, {});
  }

  if (split.tls) return 0;  // what follows STARTTLS depends on where the input was cut
  Transcript whole;
  ServerCore core(fuzz_limits(), fuzz_options(seed));
  core.receive(input);
  core.receive_eof();
  drive(core, seed, whole, {});
  if (whole.pipelining_closed || split.pipelining_closed) return 0;
  if (whole.text != split.text) violated("the split of the input changed the events");
  if (whole.output != split.output) violated("the split of the input changed the replies");
  if (whole.handed_over != split.handed_over) violated("the split changed the octets handed over");
  return 0;
}
