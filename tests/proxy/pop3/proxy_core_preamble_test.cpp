#include <doctest/doctest.h>

#include "core_driver.hpp"

using namespace opes::pop3;
using namespace opes::pop3::test;

namespace {
ProxyOptions stls_options() { return {.hostname = "proxy.test", .offer_stls = true}; }
}  // namespace

TEST_CASE("the proxy greets and refuses commands before HOST") {
  ProxyCore core({}, stls_options());
  core.greet();
  CHECK(take_client(core) == "+OK proxy.test POP3 proxy ready\r\n");
  core.receive_from_client("USER bob\r\nNOOP\r\n");
  CHECK(take_client(core) ==
        "-ERR HOST first: name your server with HOST name[:port]\r\n"
        "-ERR HOST first: name your server with HOST name[:port]\r\n");
  CHECK(take_upstream(core).empty());
  CHECK(take_events(core).empty());
}

TEST_CASE("CAPA before HOST lists STLS and the implementation") {
  ProxyCore core({}, stls_options());
  core.greet();
  (void)take_client(core);
  core.receive_from_client("capa\r\n");
  CHECK(take_client(core) == "+OK Capability list follows\r\nSTLS\r\nIMPLEMENTATION opes-proxy\r\n.\r\n");
}

TEST_CASE("STLS before HOST starts TLS and CAPA no longer lists it afterwards") {
  ProxyCore core({}, stls_options());
  core.greet();
  (void)take_client(core);
  core.receive_from_client("STLS\r\nCAPA\r\n");
  CHECK(take_client(core) == "+OK Begin TLS negotiation\r\n");
  const auto events = take_events(core);
  REQUIRE(events.size() == 1);
  CHECK(std::holds_alternative<StartClientTls>(events[0]));
  CHECK_FALSE(core.wants_client_input());
  core.receive_from_client("CAPA\r\n");  // plaintext before the handshake: dropped
  core.client_tls_started();
  CHECK(core.client_tls());
  CHECK(take_client(core).empty());  // the CAPA pipelined behind STLS was dropped
  core.receive_from_client("CAPA\r\nSTLS\r\n");
  CHECK(take_client(core) ==
        "+OK Capability list follows\r\nIMPLEMENTATION opes-proxy\r\n.\r\n-ERR TLS is already active\r\n");
}

TEST_CASE("STLS is refused when the listener has no TLS identity") {
  ProxyCore core({}, {.hostname = "proxy.test"});
  core.receive_from_client("STLS\r\n");
  CHECK(take_client(core) == "+OK proxy.test POP3 proxy ready\r\n-ERR STLS is not offered\r\n");
  CHECK(take_events(core).empty());
}

TEST_CASE("QUIT before HOST says goodbye and closes") {
  ProxyCore core({}, stls_options());
  core.greet();
  (void)take_client(core);
  core.receive_from_client("QUIT\r\n");
  CHECK(take_client(core) == "+OK proxy.test POP3 proxy signing off\r\n");
  const auto events = take_events(core);
  REQUIRE(events.size() == 1);
  CHECK(std::get<Close>(events[0]).reason == Close::Reason::quit);
  CHECK(core.closed());
}

TEST_CASE("a client-first HOST gets no proxy greeting and the upstream greeting answers it") {
  ProxyCore core({}, stls_options());
  core.receive_from_client("HOST Mail.Example.org:1110\r\n");
  CHECK(take_client(core).empty());
  auto events = take_events(core);
  REQUIRE(events.size() == 1);
  const auto& request = std::get<ConnectRequested>(events[0]);
  CHECK(request.target.name == "mail.example.org");
  CHECK(request.target.port == 1110);
  CHECK(core.phase() == ProxyCore::Phase::connecting);
  core.greet();  // the client-first wait ending late must not greet now
  CHECK(take_client(core).empty());
  core.host_connected("+OK Dovecot (Debian) ready.");
  CHECK(take_client(core) == "+OK Dovecot (Debian) ready.\r\n");
  CHECK(core.phase() == ProxyCore::Phase::relay);
}

TEST_CASE("a client that speaks first without HOST is greeted before its answer") {
  ProxyCore core({}, stls_options());
  core.receive_from_client("CAPA\r\n");
  CHECK(take_client(core) ==
        "+OK proxy.test POP3 proxy ready\r\n"
        "+OK Capability list follows\r\nSTLS\r\nIMPLEMENTATION opes-proxy\r\n.\r\n");
}

TEST_CASE("a refused HOST answers -ERR with the reason and closes") {
  ProxyCore core({}, stls_options());
  core.greet();
  (void)take_client(core);
  core.receive_from_client("HOST 192.0.2.1\r\n");
  REQUIRE(take_events(core).size() == 1);
  core.host_refused("[SYS/TEMP] 192.0.2.1:110 is not allowed by the HOST policy");
  CHECK(take_client(core) == "-ERR [SYS/TEMP] 192.0.2.1:110 is not allowed by the HOST policy\r\n");
  const auto events = take_events(core);
  REQUIRE(events.size() == 1);
  CHECK(std::get<Close>(events[0]).reason == Close::Reason::refused);
}

TEST_CASE("a HOST argument with bad syntax is refused without a connection") {
  ProxyCore core({}, stls_options());
  core.greet();
  (void)take_client(core);
  core.receive_from_client("HOST\r\nHOST bad_name!:99999\r\n");
  const auto out = take_client(core);
  CHECK(out.starts_with("-ERR HOST needs an argument: HOST name[:port]\r\n-ERR HOST "));
  CHECK(take_events(core).empty());
  CHECK(core.phase() == ProxyCore::Phase::preamble);
}

TEST_CASE("commands pipelined behind HOST are relayed once connected") {
  ProxyCore core({}, stls_options());
  core.receive_from_client("HOST mail.example.org\r\nUSER bob\r\n");
  REQUIRE(take_events(core).size() == 1);
  CHECK(take_upstream(core).empty());
  core.host_connected("+OK ready");
  CHECK(take_client(core) == "+OK ready\r\n");
  CHECK(take_upstream(core) == "USER bob\r\n");
}

TEST_CASE("too many bad commands before HOST close the session") {
  ProxyCore core({.max_bad_commands = 2}, stls_options());
  core.greet();
  (void)take_client(core);
  core.receive_from_client("USER a\r\nUSER b\r\nUSER c\r\n");
  CHECK(take_client(core) ==
        "-ERR HOST first: name your server with HOST name[:port]\r\n"
        "-ERR HOST first: name your server with HOST name[:port]\r\n"
        "-ERR too many bad commands, closing\r\n");
  const auto events = take_events(core);
  REQUIRE(events.size() == 1);
  CHECK(std::get<Close>(events[0]).reason == Close::Reason::too_many_errors);
}

TEST_CASE("client EOF closes the session") {
  ProxyCore core({}, stls_options());
  core.client_eof();
  const auto events = take_events(core);
  REQUIRE(events.size() == 1);
  CHECK(std::get<Close>(events[0]).reason == Close::Reason::client_closed);
}
