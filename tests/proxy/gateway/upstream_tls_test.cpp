// upstream.starttls as RFC 7435 names the modes, upstream.forward_client,
// and the reasons logged for a failed upstream handshake.
#include <doctest/doctest.h>

#include <openssl/x509_vfy.h>

#include <string>

#include "opes/proxy/config.hpp"
#include "opes/proxy/tls.hpp"

namespace {

using opes::proxy::ForwardClient;
using opes::proxy::UpstreamTls;

opes::proxy::ConfigResult with_upstream(const std::string& upstream) {
  return opes::proxy::parse_config(R"({
    "listeners": [{"port": 0}],
    "upstream": )" + upstream + R"(,
    "callout": {"servers": [{"address": "127.0.0.1"}],
                "service_groups": [{"name": "g", "services": [{"uri": "urn:x:s"}]}]}})");
}

std::string first_error(const opes::proxy::ConfigResult& result) {
  return result ? std::string() : result.error().front().describe();
}

}  // namespace

TEST_CASE("upstream TLS: opportunistic is the default and does not verify (RFC 7435, Postfix may)") {
  auto config = with_upstream(R"({"address": "127.0.0.1"})");
  REQUIRE(config);
  CHECK(config->upstream->starttls == UpstreamTls::opportunistic);
  CHECK_FALSE(config->upstream->check.verify);
  CHECK(config->upstream->forward_client == ForwardClient::off);
}

TEST_CASE("upstream TLS: each mode and whether it verifies") {
  struct Row {
    const char* mode;
    UpstreamTls expected;
    bool verifies;
  };
  for (const Row& row : {Row{"off", UpstreamTls::off, false},
                         Row{"opportunistic", UpstreamTls::opportunistic, false},
                         Row{"encrypt", UpstreamTls::encrypt, false},
                         Row{"verify", UpstreamTls::verify, true},
                         Row{"required", UpstreamTls::verify, true}}) {
    CAPTURE(row.mode);
    auto config = with_upstream(R"({"address": "127.0.0.1", "starttls": ")" + std::string(row.mode) + "\"}");
    REQUIRE_MESSAGE(config, first_error(config));
    CHECK(config->upstream->starttls == row.expected);
    CHECK(config->upstream->check.verify == row.verifies);
  }
}

TEST_CASE("upstream TLS: the old required with verify false means encrypt") {
  auto config = with_upstream(R"({"address": "h", "starttls": "required", "tls": {"verify": false}})");
  REQUIRE(config);
  CHECK(config->upstream->starttls == UpstreamTls::encrypt);
  CHECK_FALSE(config->upstream->check.verify);
}

TEST_CASE("upstream TLS: contradictory verify settings and unknown modes are refused") {
  CHECK(first_error(with_upstream(R"({"address": "h", "starttls": "verify", "tls": {"verify": false}})")) ==
        "upstream.tls.verify: cannot be false with starttls verify (use encrypt)");
  CHECK(first_error(with_upstream(R"({"address": "h", "starttls": "opportunistic", "tls": {"verify": true}})")) ==
        "upstream.tls.verify: only starttls verify (or required) verifies the certificate");
  CHECK(first_error(with_upstream(R"({"address": "h", "starttls": "may"})")) ==
        "upstream.starttls: must be one of off, opportunistic, encrypt, verify, required");
  // Consistent explicit values are fine.
  CHECK(with_upstream(R"({"address": "h", "starttls": "encrypt", "tls": {"verify": false}})"));
  CHECK(with_upstream(R"({"address": "h", "starttls": "verify", "tls": {"verify": true}})"));
}

TEST_CASE("upstream forward_client: off, xclient, xforward") {
  CHECK(with_upstream(R"({"address": "h", "forward_client": "xclient"})")->upstream->forward_client ==
        ForwardClient::xclient);
  CHECK(with_upstream(R"({"address": "h", "forward_client": "xforward"})")->upstream->forward_client ==
        ForwardClient::xforward);
  CHECK(with_upstream(R"({"address": "h", "forward_client": "off"})")->upstream->forward_client ==
        ForwardClient::off);
  CHECK(first_error(with_upstream(R"({"address": "h", "forward_client": "proxy"})")) ==
        "upstream.forward_client: must be one of off, xclient, xforward");
}

TEST_CASE("upstream TLS: a failed handshake is logged with its own reason") {
  using opes::proxy::describe_tls_failure;
  CHECK(describe_tls_failure(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, "mx.example", "certificate verify failed") ==
        "untrusted chain: self-signed certificate");
  CHECK(describe_tls_failure(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, "mx.example", "x")
            .rfind("untrusted chain: ", 0) == 0);
  CHECK(describe_tls_failure(X509_V_ERR_CERT_HAS_EXPIRED, "mx.example", "x") ==
        "untrusted chain: certificate has expired");
  CHECK(describe_tls_failure(X509_V_ERR_HOSTNAME_MISMATCH, "mx.example", "certificate verify failed") ==
        "name mismatch: the certificate does not name mx.example");
  CHECK(describe_tls_failure(X509_V_ERR_IP_ADDRESS_MISMATCH, "192.0.2.1", "x") ==
        "name mismatch: the certificate does not name 192.0.2.1");
  CHECK(describe_tls_failure(X509_V_OK, "mx.example", "wrong version number") ==
        "handshake failure: wrong version number");
}
