#pragma once
// One client of a POP3 listener (RFC 1939): the HOST preamble (the client
// names its mail server, draft-khanna-proxy-mail-protocols-00), the
// upstream reached as the policy allows, then pass-through (pop3_relay.hpp)
// with the client's STLS terminated here (RFC 2595). No adaptation.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>

#include "gateway_context.hpp"

namespace opes::proxy {

/// Serves the client on `socket` until QUIT, an error or a timeout, with
/// the session limits of serve_smtp_client().
boost::asio::awaitable<void> serve_pop3_client(std::shared_ptr<GatewayContext> held,
                                               boost::asio::ip::tcp::socket socket,
                                               const Listener& listener);

}  // namespace opes::proxy
