#include "opes/smtp/received_field.hpp"

#include <doctest/doctest.h>

namespace opes::smtp::test {

namespace {

constexpr std::string_view kDate = "Fri, 04 Dec 2026 18:00:00 +0000";

std::string received(ReceivedInput input) {
  return format_received(input, kDate).text();
}

}  // namespace

TEST_CASE("RFC 5321 4.4: the Received field of an ESMTP session byte for byte") {
  CHECK(received({"client.test", "192.0.2.7", "gateway.test", "ABC.1", "bob@example.org", true,
                  false, false}) ==
        "Received: from client.test ([192.0.2.7])\r\n"
        "\tby gateway.test (opes-proxy) with ESMTP id ABC.1\r\n"
        "\tfor <bob@example.org>; Fri, 04 Dec 2026 18:00:00 +0000");
}

TEST_CASE("RFC 3848 and RFC 6531 4.3: the protocol names the session and the transaction") {
  ReceivedInput input{"c", "192.0.2.7", "g", "X", "", true, false, false};
  CHECK(received_protocol(input) == "ESMTP");
  input.tls = true;
  CHECK(received_protocol(input) == "ESMTPS");
  input.smtputf8 = true;
  CHECK(received_protocol(input) == "UTF8SMTPS");
  input.tls = false;
  CHECK(received_protocol(input) == "UTF8SMTP");
  input.esmtp = false;  // HELO: no extensions, SMTPUTF8 included
  CHECK(received_protocol(input) == "SMTP");
  CHECK(received({"c", "192.0.2.7", "g", "X", "", true, true, true}) ==
        "Received: from c ([192.0.2.7])\r\n\tby g (opes-proxy) with UTF8SMTPS id X; " +
            std::string(kDate));
}

TEST_CASE("RFC 5321 4.1.3: an IPv6 client is an IPv6 address literal") {
  CHECK(address_literal("::1") == "[IPv6:::1]");
  CHECK(address_literal("2001:db8::25") == "[IPv6:2001:db8::25]");
  CHECK(address_literal("192.0.2.7") == "[192.0.2.7]");
  // RFC 4291 2.5.5.2: an IPv4 client on a dual-stack socket.
  CHECK(address_literal("::ffff:192.0.2.7") == "[192.0.2.7]");
  CHECK(received({"c6.test", "2001:db8::25", "g", "X", "", true, false, false}) ==
        "Received: from c6.test ([IPv6:2001:db8::25])\r\n\tby g (opes-proxy) with ESMTP id X; " +
            std::string(kDate));
}

TEST_CASE("a client that gave no HELO name is from unknown") {
  CHECK(received({"", "192.0.2.7", "g", "X", "", false, false, false})
            .starts_with(
                "Received: from unknown ([192.0.2.7])\r\n\tby g (opes-proxy) with SMTP id X; "));
}

TEST_CASE("RFC 3848 2 and RFC 6531 4.3: after SMTP AUTH the protocol names end in A") {
  ReceivedInput input{"c", "192.0.2.7", "g", "X", "", true, false, false, true};
  CHECK(received_protocol(input) == "ESMTPA");
  input.tls = true;
  CHECK(received_protocol(input) == "ESMTPSA");
  input.smtputf8 = true;
  CHECK(received_protocol(input) == "UTF8SMTPSA");
  input.tls = false;
  CHECK(received_protocol(input) == "UTF8SMTPA");
  CHECK(received({"c", "192.0.2.7", "g", "X", "", true, true, false, true}) ==
        "Received: from c ([192.0.2.7])\r\n\tby g (opes-proxy) with ESMTPSA id X; " + std::string(kDate));
}

TEST_CASE("the authenticated identity is named in a comment, escaped so that it cannot end the field") {
  ReceivedInput input{"client.test", "192.0.2.7", "gateway.test", "ABC.1", "", true, true, false, true};
  input.identity = "alice@example.test";
  CHECK(received(input) ==
        "Received: from client.test ([192.0.2.7])\r\n"
        "\t(Authenticated sender: alice@example.test)\r\n"
        "\tby gateway.test (opes-proxy) with ESMTPSA id ABC.1; Fri, 04 Dec 2026 18:00:00 +0000");
  input.identity = "bad)(\\\r\nX-Injected: 1";
  CHECK(received(input).find("(Authenticated sender: bad\\)\\(\\\\X-Injected: 1)\r\n") !=
        std::string::npos);
  input.authenticated = false;
  CHECK(received(input).find("Authenticated") == std::string::npos);
}

}  // namespace opes::smtp::test
