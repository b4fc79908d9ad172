#include <doctest/doctest.h>

#include "core_driver.hpp"

using namespace opes::pop3;
using namespace opes::pop3::test;

TEST_CASE("single-line commands and answers pass through unchanged") {
  auto core = relaying_core();
  core.receive_from_client("USER bob\r\n");
  CHECK(take_upstream(core) == "USER bob\r\n");
  core.receive_from_upstream("+OK\r\n");
  CHECK(take_client(core) == "+OK\r\n");
  core.receive_from_client("PASS alice secret\r\nSTAT\r\n");
  CHECK(take_upstream(core) == "PASS alice secret\r\nSTAT\r\n");
  core.receive_from_upstream("-ERR [AUTH] Authentication failed.\r\n+OK 1 42\r\n");
  CHECK(take_client(core) == "-ERR [AUTH] Authentication failed.\r\n+OK 1 42\r\n");
}

TEST_CASE("a RETR answer streams through byte for byte in any split") {
  const std::string answer = "+OK 19 octets\r\nSubject: x\r\n\r\n..dot\r\n.\r\n";
  for (std::size_t split = 1; split < answer.size(); ++split) {
    auto core = relaying_core();
    core.receive_from_client("RETR 1\r\nSTAT\r\n");
    CHECK(take_upstream(core) == "RETR 1\r\nSTAT\r\n");
    core.receive_from_upstream(answer.substr(0, split));
    std::string seen = take_client(core);
    core.receive_from_upstream(answer.substr(split) + "+OK 1 19\r\n");
    seen += take_client(core);
    CHECK(seen == answer + "+OK 1 19\r\n");
  }
}

TEST_CASE("a negative answer to RETR is a single line") {
  auto core = relaying_core();
  core.receive_from_client("RETR 9\r\nSTAT\r\n");
  core.receive_from_upstream("-ERR There's no message 9.\r\n+OK 0 0\r\n");
  CHECK(take_client(core) == "-ERR There's no message 9.\r\n+OK 0 0\r\n");
}

TEST_CASE("LIST with and without argument are framed differently") {
  auto core = relaying_core();
  core.receive_from_client("LIST 1\r\nLIST\r\n");
  core.receive_from_upstream("+OK 1 120\r\n+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n");
  CHECK(take_client(core) == "+OK 1 120\r\n+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n");
  core.receive_from_client("NOOP\r\n");
  core.receive_from_upstream("+OK\r\n");
  CHECK(take_client(core) == "+OK\r\n");
}

TEST_CASE("CAPA after HOST drops the upstream STLS and adds the proxy's") {
  auto core = relaying_core();
  core.receive_from_client("CAPA\r\n");
  CHECK(take_upstream(core) == "CAPA\r\n");
  core.receive_from_upstream("+OK\r\nCAPA\r\nTOP\r\nSTLS\r\nPIPELINING\r\nSASL PLAIN LOGIN\r\n.\r\n");
  CHECK(take_client(core) == "+OK\r\nCAPA\r\nTOP\r\nPIPELINING\r\nSASL PLAIN LOGIN\r\nSTLS\r\n.\r\n");
}

TEST_CASE("CAPA after HOST without a TLS offer lists no STLS") {
  auto core = relaying_core({.hostname = "proxy.test"});
  core.receive_from_client("CAPA\r\n");
  core.receive_from_upstream("+OK\r\nSTLS\r\nUSER\r\n.\r\n");
  CHECK(take_client(core) == "+OK\r\nUSER\r\n.\r\n");
}

TEST_CASE("STLS after HOST waits for outstanding answers and is terminated by the proxy") {
  auto core = relaying_core();
  core.receive_from_client("NOOP\r\nSTLS\r\n");
  CHECK(take_upstream(core) == "NOOP\r\n");
  CHECK(take_client(core).empty());
  CHECK_FALSE(core.wants_client_input());
  core.receive_from_upstream("+OK\r\n");
  CHECK(take_client(core) == "+OK\r\n+OK Begin TLS negotiation\r\n");
  CHECK(take_upstream(core).empty());  // the upstream never sees the client's STLS
  const auto events = take_events(core);
  REQUIRE(events.size() == 1);
  CHECK(std::holds_alternative<StartClientTls>(events[0]));
  core.client_tls_started();
  core.receive_from_client("CAPA\r\n");
  core.receive_from_upstream("+OK\r\nSTLS\r\nUSER\r\n.\r\n");
  CHECK(take_client(core) == "+OK\r\nUSER\r\n.\r\n");
}

TEST_CASE("a second HOST is answered locally in its place in the pipeline") {
  auto core = relaying_core();
  core.receive_from_client("STAT\r\nHOST other.example\r\nNOOP\r\n");
  CHECK(take_upstream(core) == "STAT\r\nNOOP\r\n");
  CHECK(take_client(core).empty());
  core.receive_from_upstream("+OK 0 0\r\n");
  CHECK(take_client(core) == "+OK 0 0\r\n-ERR HOST already given\r\n");
  core.receive_from_upstream("+OK\r\n");
  CHECK(take_client(core) == "+OK\r\n");
}

TEST_CASE("AUTH continuations make the next client line a raw SASL response") {
  auto core = relaying_core();
  core.receive_from_client("AUTH PLAIN\r\n");
  CHECK(take_upstream(core) == "AUTH PLAIN\r\n");
  core.receive_from_upstream("+ \r\n");
  CHECK(take_client(core) == "+ \r\n");
  // "STLS" or "HOST x" here would be base64 to the server, never a command.
  core.receive_from_client("HOST x\r\n");
  CHECK(take_upstream(core) == "HOST x\r\n");
  core.receive_from_upstream("-ERR [AUTH] Authentication failed.\r\n");
  CHECK(take_client(core) == "-ERR [AUTH] Authentication failed.\r\n");
  core.receive_from_client("HOST x\r\n");
  CHECK(take_client(core) == "-ERR HOST already given\r\n");
}

TEST_CASE("lines pipelined behind AUTH wait until its exchange ends") {
  auto core = relaying_core();
  core.receive_from_client("AUTH PLAIN\r\ndGVzdAB0ZXN0AHRlc3Q=\r\nSTAT\r\n");
  CHECK(take_upstream(core) == "AUTH PLAIN\r\n");
  core.receive_from_upstream("+ \r\n");
  CHECK(take_upstream(core) == "dGVzdAB0ZXN0AHRlc3Q=\r\n");
  core.receive_from_upstream("+OK Logged in.\r\n");
  CHECK(take_upstream(core) == "STAT\r\n");
  CHECK(take_client(core) == "+ \r\n+OK Logged in.\r\n");
}

TEST_CASE("QUIT is forwarded and the upstream closing ends the session") {
  auto core = relaying_core();
  core.receive_from_client("QUIT\r\nNOOP\r\n");
  CHECK(take_upstream(core) == "QUIT\r\n");
  core.receive_from_upstream("+OK Logging out.\r\n");
  core.upstream_eof();
  CHECK(take_client(core) == "+OK Logging out.\r\n");
  const auto events = take_events(core);
  REQUIRE(events.size() == 1);
  CHECK(std::get<Close>(events[0]).reason == Close::Reason::upstream_closed);
}

TEST_CASE("an unsolicited autologout line is passed on") {
  auto core = relaying_core();
  core.receive_from_upstream("-ERR Disconnected for inactivity.\r\n");
  CHECK(take_client(core) == "-ERR Disconnected for inactivity.\r\n");
}
