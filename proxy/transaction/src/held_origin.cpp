#include "opes/transaction/held_origin.hpp"

namespace opes::proxy {

namespace {

std::string_view protocol_name(OriginProtocol protocol) {
  switch (protocol) {
    case OriginProtocol::smtp: return "smtp";
    case OriginProtocol::imap_submit: return "imap-submit";
    case OriginProtocol::odmr: return "odmr";
  }
  return "smtp";
}

}  // namespace

queue::OriginFacts held_origin(const Origin& origin) {
  queue::OriginFacts facts;
  facts.address = origin.address;
  facts.port = origin.port;
  facts.peer = origin.peer;
  facts.tls = origin.tls;
  facts.tls_cipher = origin.tls_cipher;
  facts.helo = origin.helo;
  facts.esmtp = origin.esmtp;
  facts.authenticated = origin.authenticated;
  facts.protocol = std::string(protocol_name(origin.protocol));
  return facts;
}

Origin origin_of(const queue::OriginFacts& facts) {
  Origin origin;
  origin.address = facts.address;
  origin.port = facts.port;
  origin.peer = facts.peer;
  origin.tls = facts.tls;
  origin.tls_cipher = facts.tls_cipher;
  origin.helo = facts.helo;
  origin.esmtp = facts.esmtp;
  origin.authenticated = facts.authenticated;
  origin.protocol = facts.protocol == "imap-submit" ? OriginProtocol::imap_submit
                    : facts.protocol == "odmr"      ? OriginProtocol::odmr
                                                    : OriginProtocol::smtp;
  return origin;
}

}  // namespace opes::proxy
