#include "opes/smtp/client_forwarding.hpp"

#include <doctest/doctest.h>

namespace opes::smtp::test {

namespace {

ServerCapabilities capabilities(std::vector<std::string> lines) {
  lines.insert(lines.begin(), "mx.example.org");
  return parse_ehlo(ocp::smtp::Reply{250, std::move(lines)});
}

const std::vector<std::string> kPostfixXclient{"NAME", "ADDR", "PORT", "PROTO", "HELO", "LOGIN",
                                               "DESTADDR", "DESTPORT"};
const std::vector<std::string> kPostfixXforward{"NAME", "ADDR", "PROTO", "HELO", "SOURCE", "PORT",
                                                "IDENT"};

ForwardedClient client() {
  return ForwardedClient{"192.0.2.7", 40123, "client.example", true, "a1b2.1"};
}

}  // namespace

TEST_CASE("client forwarding: the attributes are those listed after the EHLO keyword") {
  const auto caps = capabilities({"PIPELINING", "XCLIENT NAME ADDR port proto HELO LOGIN",
                                  "XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT"});
  CHECK(offered_attributes(caps, "xclient") ==
        std::vector<std::string>{"NAME", "ADDR", "PORT", "PROTO", "HELO", "LOGIN"});
  CHECK(offered_attributes(caps, "XFORWARD") == kPostfixXforward);
  CHECK(offered_attributes(caps, "PIPELINING").empty());
  CHECK(offered_attributes(capabilities({"SIZE 100"}), "XCLIENT").empty());
  CHECK(offered_attributes(capabilities({"XCLIENT"}), "XCLIENT").empty());
}

TEST_CASE("client forwarding: XCLIENT sends HELO, PROTO and LOGIN before NAME, ADDR and PORT") {
  CHECK(format_client_forwarding(ForwardCommand::xclient, client(), kPostfixXclient) ==
        std::vector<std::string>{
            "XCLIENT HELO=client.example PROTO=ESMTP LOGIN=[UNAVAILABLE] NAME=[UNAVAILABLE] "
            "ADDR=192.0.2.7 PORT=40123\r\n"});
}

TEST_CASE("client forwarding: XFORWARD adds IDENT and SOURCE, and has no LOGIN") {
  CHECK(format_client_forwarding(ForwardCommand::xforward, client(), kPostfixXforward) ==
        std::vector<std::string>{
            "XFORWARD HELO=client.example PROTO=ESMTP IDENT=a1b2.1 SOURCE=REMOTE "
            "NAME=[UNAVAILABLE] ADDR=192.0.2.7 PORT=40123\r\n"});
}

TEST_CASE("client forwarding: only what the server lists is sent") {
  CHECK(format_client_forwarding(ForwardCommand::xclient, client(), {"ADDR", "HELO"}) ==
        std::vector<std::string>{"XCLIENT HELO=client.example ADDR=192.0.2.7\r\n"});
  CHECK(format_client_forwarding(ForwardCommand::xforward, client(), {"DESTADDR"}).empty());
  CHECK(format_client_forwarding(ForwardCommand::xclient, client(), {}).empty());
}

TEST_CASE("client forwarding: IPv6 gets IPV6:, a mapped IPv4 address is IPv4, unknowns are [UNAVAILABLE]") {
  ForwardedClient v6 = client();
  v6.address = "2001:db8::7";
  CHECK(format_client_forwarding(ForwardCommand::xclient, v6, {"ADDR"}) ==
        std::vector<std::string>{"XCLIENT ADDR=IPV6:2001:db8::7\r\n"});
  ForwardedClient mapped = client();
  mapped.address = "::ffff:192.0.2.9";
  CHECK(format_client_forwarding(ForwardCommand::xforward, mapped, {"ADDR"}) ==
        std::vector<std::string>{"XFORWARD ADDR=192.0.2.9\r\n"});
  ForwardedClient unknown{"", 0, "", false, ""};
  CHECK(format_client_forwarding(ForwardCommand::xforward, unknown, kPostfixXforward) ==
        std::vector<std::string>{
            "XFORWARD HELO=[UNAVAILABLE] PROTO=SMTP IDENT=[UNAVAILABLE] SOURCE=REMOTE "
            "NAME=[UNAVAILABLE] ADDR=[UNAVAILABLE] PORT=[UNAVAILABLE]\r\n"});
}

TEST_CASE("client forwarding: values are xtext, and one too long for 255 characters is [UNAVAILABLE]") {
  ForwardedClient odd = client();
  odd.helo = "a+b=c d";
  CHECK(format_client_forwarding(ForwardCommand::xclient, odd, {"HELO"}) ==
        std::vector<std::string>{"XCLIENT HELO=a+2Bb+3Dc+20d\r\n"});
  odd.helo = std::string(255, 'h');
  CHECK(format_client_forwarding(ForwardCommand::xclient, odd, {"HELO"}) ==
        std::vector<std::string>{"XCLIENT HELO=" + std::string(255, 'h') + "\r\n"});
  odd.helo = std::string(254, 'h') + " ";  // 257 once encoded
  CHECK(format_client_forwarding(ForwardCommand::xclient, odd, {"HELO"}) ==
        std::vector<std::string>{"XCLIENT HELO=[UNAVAILABLE]\r\n"});
}

TEST_CASE("client forwarding: every line stays within 512 octets, ADDR in the last one") {
  ForwardedClient big = client();
  big.helo = std::string(255, 'h');
  big.ident = std::string(255, 'i');
  const auto lines = format_client_forwarding(ForwardCommand::xforward, big, kPostfixXforward);
  REQUIRE(lines.size() == 2);
  for (const std::string& line : lines) {
    CHECK(line.size() <= kMaxForwardLine);
    CHECK(line.rfind("XFORWARD ", 0) == 0);
    CHECK(line.substr(line.size() - 2) == "\r\n");
  }
  CHECK(lines[0] == "XFORWARD HELO=" + std::string(255, 'h') + " PROTO=ESMTP\r\n");
  CHECK(lines[1] == "XFORWARD IDENT=" + std::string(255, 'i') +
                        " SOURCE=REMOTE NAME=[UNAVAILABLE] ADDR=192.0.2.7 PORT=40123\r\n");
}

}  // namespace opes::smtp::test
