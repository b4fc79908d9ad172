// ServerCore and STARTTLS (RFC 3207).
#include <doctest/doctest.h>

#include "opes/smtp/server_core.hpp"
#include "session.hpp"

namespace opes::smtp::test {

TEST_CASE("RFC 3207 4.2: commands pipelined after STARTTLS are discarded, never read") {
  // CVE-2011-0411: the injected MAIL arrived in plaintext before the handshake.
  ServerCore core = greeted_core();
  CHECK(feed(core, "STARTTLS\r\nMAIL FROM:<evil@example.net>\r\nRCPT TO:<x@example.com>\r\n") ==
        Events{"command STARTTLS"});
  answer(core, "220 2.0.0 Ready to start TLS");
  CHECK(drain(core) == Events{"tls"});
  CHECK(core.should_flush());
  CHECK(take_output(core) == "220 2.0.0 Ready to start TLS\r\n");
  CHECK_FALSE(core.wants_input());
  core.receive("NOOP\r\n");  // still plaintext: ignored
  REQUIRE(core.tls_started());
  CHECK(core.tls_active());
  CHECK(drain(core).empty());
  CHECK(core.pending_output().empty());
}

TEST_CASE("RFC 3207 4.2: after TLS the client must greet again") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "STARTTLS\r\n").size() == 1);
  answer(core, "220 Ready");
  CHECK(drain(core) == Events{"tls"});
  REQUIRE(core.tls_started());
  take_output(core);
  CHECK(feed(core, "MAIL FROM:<a@example.org>\r\n").empty());
  CHECK(take_output(core) == "503 5.5.1 Error: send HELO/EHLO first\r\n");
  CHECK(feed(core, "EHLO client.example\r\n") == Events{"command EHLO client.example"});
}

TEST_CASE("a refused STARTTLS leaves the pipelined commands to be read") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "STARTTLS\r\nNOOP\r\n") == Events{"command STARTTLS"});
  answer(core, "454 4.7.0 TLS not available");
  CHECK(drain(core).empty());
  CHECK(take_output(core) == "454 4.7.0 TLS not available\r\n250 2.0.0 Ok\r\n");
  CHECK_FALSE(core.tls_started());
}

TEST_CASE("STARTTLS is refused inside a transaction and once TLS is active") {
  ServerCore core = greeted_core();
  CHECK(feed(core, "MAIL FROM:<>\r\n").size() == 1);
  answer(core, "250 Ok");
  CHECK(feed(core, "STARTTLS\r\nRSET\r\nSTARTTLS\r\n") == Events{"reset", "command STARTTLS"});
  answer(core, "220 Go ahead");
  CHECK(drain(core) == Events{"tls"});
  REQUIRE(core.tls_started());
  CHECK(feed(core, "STARTTLS\r\n").empty());
  CHECK(take_output(core) ==
        "250 Ok\r\n503 5.5.1 Error: MAIL transaction in progress\r\n250 2.0.0 Ok\r\n"
        "220 Go ahead\r\n503 5.5.1 Error: TLS already active\r\n");
}

}  // namespace opes::smtp::test
