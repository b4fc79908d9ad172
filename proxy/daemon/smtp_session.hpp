#pragma once
// One SMTP client of opes-proxy (RFC 5321, before-queue proxy): the
// protocol core (opes::smtp::ServerCore) driven over the socket, each mail
// transaction sent through the callout server (draft-ietf-opes-smtp §3)
// and handed to the upstream MTA or the spool only when adapted.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>

#include "gateway_context.hpp"

namespace opes::proxy {

/// Serves the client on `socket` until QUIT, an error or a timeout. The
/// session holds `context` (the configuration it started on) to its end.
boost::asio::awaitable<void> serve_smtp_client(std::shared_ptr<GatewayContext> held,
                                               boost::asio::ip::tcp::socket socket,
                                               const Listener& listener);

}  // namespace opes::proxy
