#pragma once
// TLS contexts of opes-proxy: the server side of STARTTLS towards SMTP
// clients (RFC 3207), and the client side towards the upstream MTA and the
// callout servers, which verifies the peer by default.

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ocp/expected.hpp"
#include "opes/proxy/config.hpp"

namespace opes::proxy {

using TlsContext = std::shared_ptr<boost::asio::ssl::context>;

/// TLS 1.2 or later with our certificate chain and key.
ocp::Expected<TlsContext, std::string> make_server_tls(const TlsIdentity& identity);

/// TLS 1.2 or later; with `check.verify` the chain must lead to `ca_file`
/// (or the system's trust store) — the host name is checked per connection
/// by verify_host_name().
ocp::Expected<TlsContext, std::string> make_client_tls(const TlsPeerCheck& check,
                                                       const std::optional<TlsIdentity>& identity = {});

/// The reason logged when a client-side handshake with `server_name`
/// failed with `error`, from the verify result that MailStream::verify_result()
/// gives: "untrusted chain: <X509 reason>", "name mismatch: the certificate
/// does not name <server_name>", or "handshake failure: <error>".
std::string describe_tls_failure(long verify_result, std::string_view server_name,
                                 std::string_view error);

}  // namespace opes::proxy
