#include "opes/proxy/tls.hpp"

#include <openssl/x509_vfy.h>

namespace opes::proxy {

namespace ssl = boost::asio::ssl;

namespace {

constexpr auto kOptions = ssl::context::default_workarounds | ssl::context::no_sslv2 |
                          ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                          ssl::context::no_tlsv1_1;

}  // namespace

ocp::Expected<TlsContext, std::string> make_server_tls(const TlsIdentity& identity) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  context->set_options(kOptions, ec);
  if (!ec) context->use_certificate_chain_file(identity.certificate_file, ec);
  if (ec) return ocp::unexpected("certificate " + identity.certificate_file + ": " + ec.message());
  context->use_private_key_file(identity.private_key_file, ssl::context::pem, ec);
  if (ec) return ocp::unexpected("private key " + identity.private_key_file + ": " + ec.message());
  return context;
}

ocp::Expected<TlsContext, std::string> make_client_tls(const TlsPeerCheck& check,
                                                       const std::optional<TlsIdentity>& identity) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  context->set_options(kOptions, ec);
  if (ec) return ocp::unexpected("TLS options: " + ec.message());
  if (check.verify) {
    if (check.ca_file) {
      context->load_verify_file(*check.ca_file, ec);
      if (ec) return ocp::unexpected("CA file " + *check.ca_file + ": " + ec.message());
    } else {
      context->set_default_verify_paths(ec);
      if (ec) return ocp::unexpected("the system's trust store: " + ec.message());
    }
    context->set_verify_mode(ssl::verify_peer);
  } else {
    context->set_verify_mode(ssl::verify_none);
  }
  if (identity) {
    context->use_certificate_chain_file(identity->certificate_file, ec);
    if (ec) return ocp::unexpected("certificate " + identity->certificate_file + ": " + ec.message());
    context->use_private_key_file(identity->private_key_file, ssl::context::pem, ec);
    if (ec) return ocp::unexpected("private key " + identity->private_key_file + ": " + ec.message());
  }
  return context;
}

std::string describe_tls_failure(long verify_result, std::string_view server_name,
                                 std::string_view error) {
  switch (verify_result) {
    case X509_V_OK:
      return "handshake failure: " + std::string(error);
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return "name mismatch: the certificate does not name " + std::string(server_name);
    default:
      // Everything else the chain's verification found: self-signed,
      // unknown issuer, expired, not yet valid, unusable for the purpose.
      return "untrusted chain: " + std::string(X509_verify_cert_error_string(verify_result));
  }
}

}  // namespace opes::proxy
