#pragma once
// The proxy's view of the upstream's capabilities (RFC 2449 §5): the client
// side's TLS is the proxy's, so the upstream's STLS line says nothing about
// it and is removed, and the proxy's own STLS is added when it offers STLS
// to this client now (RFC 2595 §4: not after TLS is on).

#include <string>
#include <string_view>

namespace opes::pop3 {

/// One capability line without CRLF; whether it survives the rewrite.
/// Drops STLS (any case, with or without arguments).
bool keep_upstream_capability(std::string_view line);

/// The proxy's own CAPA answer before HOST: STLS when offered, the
/// IMPLEMENTATION line, and nothing it cannot do (no USER, no SASL: it does
/// not log in anyone itself).
std::string preamble_capabilities(bool offer_stls);

}  // namespace opes::pop3
