#pragma once
// The pass-through of a POP3 session after HOST: the core (opes::pop3::
// ProxyCore) between the client's stream and the upstream's, driven by
// three coroutines on one thread: a reader per side and one writer. A
// reader feeds the core when it wants input (backpressure), the writer
// sends what the core queued for either side; the client reader runs the
// client's STLS handshake (nothing else touches the client stream then).

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>
#include <vector>

#include "opes/pop3/proxy_core.hpp"
#include "opes/proxy/mail_stream.hpp"
#include "opes/proxy/tls.hpp"
#include "wake_signal.hpp"

namespace opes::proxy {

struct Pop3RelaySettings {
  Duration idle;           // timeouts.pop3_idle, each side's silence
  Duration tls_handshake;  // timeouts.tls_handshake
  TlsContext server_tls;   // the client's STLS (null: not offered)
  std::string peer;        // for the log lines
  std::string session;
};

class Pop3Relay {
 public:
  Pop3Relay(const boost::asio::any_io_executor& executor, pop3::ProxyCore& core, MailStream& client,
            MailStream& upstream, Pop3RelaySettings settings);

  /// Until the core closes or a side fails; then both streams are idle
  /// (the caller closes them). The reason it ended, for pop3.session.
  boost::asio::awaitable<std::string> run();

 private:
  boost::asio::awaitable<void> read_client();
  boost::asio::awaitable<void> read_upstream();
  boost::asio::awaitable<void> write_both();
  boost::asio::awaitable<void> start_client_tls();
  /// After every change of the core: its events, then every waiter.
  void core_changed();
  void fail(std::string reason);

  pop3::ProxyCore& core_;
  MailStream& client_;
  MailStream& upstream_;
  Pop3RelaySettings settings_;
  WakeSignal client_wake_;
  WakeSignal upstream_wake_;
  WakeSignal writer_wake_;
  bool tls_due_ = false;
  bool handshaking_ = false;
  bool finished_ = false;  // the writer is done: readers leave
  std::string failure_;    // why it ended, when not by the core
  std::string end_reason_;
  // Heap-held, out of the coroutine frames.
  std::vector<char> client_buffer_;
  std::vector<char> upstream_buffer_;
  std::string writing_;
};

}  // namespace opes::proxy
