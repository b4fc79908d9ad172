#include "opes/proxy/tls.hpp"

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

}  // namespace opes::proxy
