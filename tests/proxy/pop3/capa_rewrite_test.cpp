#include <doctest/doctest.h>

#include "opes/pop3/capa_rewrite.hpp"

using namespace opes::pop3;

TEST_CASE("the upstream STLS capability is dropped in any case and the rest kept") {
  CHECK_FALSE(keep_upstream_capability("STLS"));
  CHECK_FALSE(keep_upstream_capability("stls"));
  CHECK(keep_upstream_capability("SASL PLAIN LOGIN"));
  CHECK(keep_upstream_capability("STLSX"));
  CHECK(keep_upstream_capability("PIPELINING"));
}

TEST_CASE("the preamble capability list names STLS only when offered") {
  CHECK(preamble_capabilities(true) ==
        "+OK Capability list follows\r\nSTLS\r\nIMPLEMENTATION opes-proxy\r\n.\r\n");
  CHECK(preamble_capabilities(false) == "+OK Capability list follows\r\nIMPLEMENTATION opes-proxy\r\n.\r\n");
}
