// libFuzzer target for the SMTP server core: arbitrary client bytes, fed in
// splits chosen by the input, answered the way a session would (250 to most
// commands, 354 to DATA, 220 to STARTTLS then tls_started()). The core must
// never crash, never keep more than its limits allow, and (when no STARTTLS
// and no input pipelined behind a refused DATA made the split matter) give
// the same transcript as when fed in one piece. The seed's top bit picks
// the bare line endings mode.
//
// Input layout: the first octet seeds the split sizes and the answers; the
// rest is what the client sends.

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
  return limits;
}

ocp::smtp::Reply one_line(std::uint16_t code, std::string text) {
  return ocp::smtp::Reply{code, {std::move(text)}};
}

ServerOptions fuzz_options(std::uint8_t seed) {
  ServerOptions options;
  options.bare_line_endings = (seed & 0x80) ? BareLineEndings::normalize : BareLineEndings::reject;
  return options;
}

struct Transcript {
  std::string text;    // the events
  std::string output;  // the replies
  bool tls = false;
  bool pipelining_closed = false;  // whether input was behind a refused DATA depends on the split
};

/// Answers and records every event available now; the answers depend on the
/// events only, so any split of the input must give the same transcript.
void drive(ServerCore& core, std::uint8_t seed, Transcript& transcript) {
  const ServerLimits limits = fuzz_limits();
  while (auto event = core.next_event()) {
    std::optional<ocp::smtp::Reply> answer;
    if (const auto* command = std::get_if<CommandReceived>(&*event)) {
      transcript.text += "C" + command->command.verb_text + "\n";
      switch (command->command.verb) {
        case Verb::ehlo:
          answer = ehlo_reply("mx.example", "hi", {"PIPELINING", "SIZE 2000", "STARTTLS"});
          break;
        case Verb::data:
          answer = one_line(354, "go ahead");
          break;
        case Verb::starttls:
          answer = one_line(220, "2.0.0 Ready");
          break;
        case Verb::auth:
          answer = one_line(334, "");
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
      answer = one_line(line->line.size() % 2 ? 334 : 235, "");
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
    if (answer && !core.reply(*answer)) violated("an awaited reply was refused");
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
      drive(core, seed, split);
    }
    core.receive_eof();
    drive(core, seed, split);
  }

  if (split.tls) return 0;  // what follows STARTTLS depends on where the input was cut
  Transcript whole;
  ServerCore core(fuzz_limits(), fuzz_options(seed));
  core.receive(input);
  core.receive_eof();
  drive(core, seed, whole);
  if (whole.pipelining_closed || split.pipelining_closed) return 0;
  if (whole.text != split.text) violated("the split of the input changed the events");
  if (whole.output != split.output) violated("the split of the input changed the replies");
  return 0;
}
