#pragma once
// A message the proxy writes itself (the opestrace notification of draft
// §4.2; later DSNs, RFC 3464), sent through a Delivery like any other: one
// MAIL/RCPT/DATA flow instead of one per kind of generated message.

#include <boost/asio/awaitable.hpp>
#include <string>

#include "ocp/smtp/reply.hpp"
#include "opes/proxy/delivery.hpp"
#include "opes/smtp/path_argument.hpp"

namespace opes::proxy {

struct GeneratedEnvelope {
  smtp::PathArgument from;  // with BODY=8BITMIME when the content needs it
  smtp::PathArgument to;
};

/// MAIL, RCPT, DATA and `content` (dot-unstuffed, CRLF); the reply says
/// whether the delivery took it. A refusal resets the delivery's transaction.
boost::asio::awaitable<ocp::smtp::Reply> send_generated(Delivery& delivery,
                                                        const GeneratedEnvelope& envelope,
                                                        const std::string& content);

}  // namespace opes::proxy
