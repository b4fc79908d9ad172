#include <doctest/doctest.h>

#include "core_driver.hpp"

using namespace opes::pop3;
using namespace opes::pop3::test;

TEST_CASE("a command line over 255 octets is refused and its tail not taken for a command") {
  auto core = relaying_core();
  const std::string long_line = "USER " + std::string(300, 'a') + "\r\n";
  core.receive_from_client(long_line.substr(0, 100));
  core.receive_from_client(long_line.substr(100) + "STAT\r\n");
  CHECK(take_upstream(core) == "STAT\r\n");
  CHECK(take_client(core) == "-ERR line too long\r\n");
}

TEST_CASE("a command line of exactly 255 octets is accepted") {
  auto core = relaying_core();
  const std::string line = "USER " + std::string(255 - 7, 'a') + "\r\n";
  REQUIRE(line.size() == 255);
  core.receive_from_client(line);
  CHECK(take_upstream(core) == line);
}

TEST_CASE("a SASL response may be longer than a command but is bounded") {
  auto core = relaying_core();
  core.receive_from_client("AUTH PLAIN\r\n");
  core.receive_from_upstream("+ \r\n");
  (void)take_upstream(core);
  const std::string response(4000, 'Q');
  core.receive_from_client(response + "\r\n");
  CHECK(take_upstream(core) == response + "\r\n");
  core.receive_from_upstream("+ \r\n");
  core.receive_from_client(std::string(20000, 'Q') + "\r\n");
  CHECK(take_upstream(core) == "*\r\n");  // RFC 5034 §4 cancel
  core.receive_from_upstream("-ERR Authentication aborted\r\n");
  CHECK(take_client(core) == "+ \r\n+ \r\n-ERR Authentication aborted\r\n");
}

TEST_CASE("an overlong upstream status line ends the session with SYS/TEMP") {
  auto core = relaying_core();
  core.receive_from_client("STAT\r\n");
  core.receive_from_upstream("+OK " + std::string(600, 'x'));
  CHECK(take_client(core) == "-ERR [SYS/TEMP] the mail server broke the POP3 protocol\r\n");
  const auto events = take_events(core);
  REQUIRE(events.size() == 1);
  CHECK(std::get<Close>(events[0]).reason == Close::Reason::upstream_protocol);
}

TEST_CASE("an upstream line that is no status ends the session") {
  auto core = relaying_core();
  core.receive_from_client("STAT\r\n");
  core.receive_from_upstream("hello\r\n");
  CHECK(take_client(core) == "-ERR [SYS/TEMP] the mail server broke the POP3 protocol\r\n");
  CHECK(core.closed());
}

TEST_CASE("control octets in a command are refused, not forwarded") {
  auto core = relaying_core();
  core.receive_from_client(std::string("USER a\0b\r\n", 10));
  CHECK(take_upstream(core).empty());
  CHECK(take_client(core) == "-ERR bad command line\r\n");
}

TEST_CASE("client input stops being wanted when pipelined commands pile up") {
  auto core = relaying_core();
  std::string many;
  for (int i = 0; i < 100; ++i) many += "NOOP\r\n";
  core.receive_from_client(many);
  CHECK(take_upstream(core).size() == 64 * 6);
  for (int i = 0; i < 100; ++i) core.receive_from_upstream("+OK\r\n");
  CHECK(take_upstream(core).size() == 36 * 6);
}

TEST_CASE("a large RETR body passes in pieces and the client backlog is bounded by wants_upstream_input") {
  auto core = relaying_core();
  core.receive_from_client("RETR 1\r\n");
  core.receive_from_upstream("+OK\r\n");
  const std::string piece = std::string(1000, 'x') + "\r\n";
  std::size_t relayed = 0;
  for (int i = 0; i < 200; ++i) {
    if (!core.wants_upstream_input()) relayed += take_client(core).size();
    core.receive_from_upstream(piece);
  }
  core.receive_from_upstream(".\r\n");
  relayed += take_client(core).size();
  CHECK(relayed == 5 + 200 * piece.size() + 3);
}
