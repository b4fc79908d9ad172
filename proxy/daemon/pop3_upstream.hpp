#pragma once
// The upstream side of a POP3 HOST session up to its greeting: TLS as the
// policy rule that allowed the target asks (RFC 2595 §4 STLS, or POP3S on
// connect, RFC 8314 §3.3), verified by default (RFC 6125 against the name
// the client gave, or its IP literal). The connection itself comes from
// connect_host() (host_connector.hpp), which checked the target.

#include <boost/asio/awaitable.hpp>

#include <string>

#include "ocp/expected.hpp"
#include "opes/proxy/host_connector.hpp"
#include "opes/proxy/tls.hpp"

namespace opes::proxy {

/// An upstream ready for the client: its greeting read.
struct Pop3Upstream {
  MailStream stream;
  std::string greeting;  // "+OK ..." without CRLF
  std::string unread;    // what came behind the greeting (nothing, from a correct server)
};

/// Why not: the text for the client's -ERR (after "[SYS/TEMP] ") and the log.
struct Pop3UpstreamFailure {
  std::string client_text;
  bool tls = false;  // a TLS failure (logged as pop3.tls_failed)
};

/// `tls_context`: the rule's client context (null when its tls is off).
/// `timeout` bounds each read, write and handshake.
boost::asio::awaitable<ocp::Expected<Pop3Upstream, Pop3UpstreamFailure>> open_pop3_upstream(
    HostConnection connection, TlsContext tls_context, Duration timeout);

/// The rule's upstream TLS for POP3: unset is starttls (verified).
host::HostTls pop3_upstream_tls(const host::HostRule& rule);

}  // namespace opes::proxy
