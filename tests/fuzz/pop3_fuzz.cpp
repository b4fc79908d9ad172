// libFuzzer target for proxy/pop3: the proxy core driven by the input as a
// script of steps (one octet says what, the next how many octets follow):
// client bytes, upstream bytes, answers to its events, EOFs, drains.
// Nothing may crash, loop or read out of bounds, and the core's buffers
// stay bounded while its wants_*_input() are honoured.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "opes/pop3/proxy_core.hpp"

namespace {

using namespace opes::pop3;

void drain_events(ProxyCore& core) {
  while (core.poll_event()) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.empty()) return 0;
  const auto flags = static_cast<unsigned char>(input[0]);
  input.remove_prefix(1);
  ProxyCore core({.max_command_line = 255, .max_sasl_line = 600, .max_status_line = 128,
                  .max_bad_commands = 10, .max_pending_commands = 8, .max_buffered_input = 4096},
                 {.hostname = "fuzz.test", .offer_stls = (flags & 1) != 0, .client_tls = (flags & 2) != 0});
  if (flags & 4) core.greet();
  while (input.size() >= 2) {
    const auto step = static_cast<unsigned char>(input[0]) % 8;
    const std::size_t length = std::min<std::size_t>(static_cast<unsigned char>(input[1]), input.size() - 2);
    const auto bytes = input.substr(2, length);
    input.remove_prefix(2 + length);
    switch (step) {
      case 0:
      case 1:
        if (core.wants_client_input()) core.receive_from_client(bytes);
        break;
      case 2:
      case 3:
        if (core.wants_upstream_input()) core.receive_from_upstream(bytes);
        break;
      case 4:
        core.host_connected(bytes.substr(0, bytes.find('\n')));
        break;
      case 5:
        core.client_tls_started();
        if (length & 1) core.host_refused("no");
        break;
      case 6:
        core.consume_to_client(core.to_client().size());
        core.consume_to_upstream(core.to_upstream().size());
        break;
      case 7:
        if (length & 1) core.client_eof(); else core.upstream_eof();
        break;
    }
    drain_events(core);
    // Bounded: what is owed grows only by what was received.
    if (core.to_upstream().size() > 64 * 1024 || core.to_client().size() > 1024 * 1024) std::abort();
  }
  return 0;
}
