#include <doctest/doctest.h>

#include "opes/sasl/server_exchange.hpp"

using namespace opes::sasl;
using Kind = Outcome::Kind;

namespace {

Credentials users() {
  auto parsed = parse_credentials(
      "tim:{CRAM-MD5}d06d4e1b26fccaa4b0b61801132340a354b21152711fb604ca3e035e7015116b\n"
      "alice:{PLAIN}wonderland\n");
  REQUIRE(parsed);
  return *parsed;
}

/// RFC 2195 §2's challenge, <1896.697170952@postoffice.reston.mci.net>.
ChallengeSource rfc2195_source() {
  return ChallengeSource{[] { return std::uint64_t{1896}; }, [] { return std::int64_t{697170952}; },
                         "postoffice.reston.mci.net"};
}

std::string plain(std::string_view authzid, std::string_view authcid, std::string_view password) {
  return std::string(authzid) + '\0' + std::string(authcid) + '\0' + std::string(password);
}

}  // namespace

TEST_CASE("CRAM-MD5 gives RFC 2195's challenge and accepts its example response") {
  const Credentials credentials = users();
  ServerExchange exchange(Mechanism::cram_md5, credentials, rfc2195_source());
  const Outcome first = exchange.start(std::nullopt);
  CHECK(first.kind == Kind::challenge);
  CHECK(first.challenge == "<1896.697170952@postoffice.reston.mci.net>");
  const Outcome last = exchange.step("tim b913a602c7eda7a495b4e6e7334d3890");
  CHECK(last.kind == Kind::accepted);
  CHECK(last.user == "tim");
}

TEST_CASE("CRAM-MD5 works from a {PLAIN} secret as well") {
  const Credentials credentials = users();
  ServerExchange exchange(Mechanism::cram_md5, credentials, rfc2195_source());
  const Outcome first = exchange.start(std::nullopt);
  const std::string digest = to_hex(hmac_md5(hmac_md5_contexts("wonderland"), first.challenge));
  CHECK(exchange.step("alice " + digest).kind == Kind::accepted);
}

TEST_CASE("CRAM-MD5 refuses a wrong digest, an unknown user, a replay and malformed responses") {
  const Credentials credentials = users();
  auto after_challenge = [&](std::string_view response) {
    ServerExchange exchange(Mechanism::cram_md5, credentials, rfc2195_source());
    (void)exchange.start(std::nullopt);
    return exchange.step(response);
  };
  const Outcome wrong = after_challenge("tim b913a602c7eda7a495b4e6e7334d3891");
  CHECK(wrong.kind == Kind::rejected);
  CHECK(wrong.user == "tim");
  CHECK(wrong.cause == "wrong digest");
  const Outcome unknown = after_challenge("tom b913a602c7eda7a495b4e6e7334d3890");
  CHECK(unknown.kind == Kind::rejected);
  CHECK(unknown.cause == "no such user");
  CHECK(after_challenge("tim B913A602C7EDA7A495B4E6E7334D3890").kind == Kind::malformed);
  CHECK(after_challenge("timb913a602c7eda7a495b4e6e7334d3890").kind == Kind::malformed);
  CHECK(after_challenge("tim b913a602c7eda7a495b4e6e7334d389").kind == Kind::malformed);
  CHECK(after_challenge(" b913a602c7eda7a495b4e6e7334d3890").kind == Kind::malformed);

  // Another nonce: the recorded response of RFC 2195 no longer fits.
  ChallengeSource later = rfc2195_source();
  later.random = [] { return std::uint64_t{1897}; };
  ServerExchange exchange(Mechanism::cram_md5, credentials, later);
  CHECK(exchange.start(std::nullopt).challenge == "<1897.697170952@postoffice.reston.mci.net>");
  CHECK(exchange.step("tim b913a602c7eda7a495b4e6e7334d3890").kind == Kind::rejected);
  // One response per exchange.
  CHECK(exchange.step("tim b913a602c7eda7a495b4e6e7334d3890").kind == Kind::malformed);

  ServerExchange eager(Mechanism::cram_md5, credentials, rfc2195_source());
  CHECK(eager.start(std::string_view("tim")).kind == Kind::malformed);
}

TEST_CASE("PLAIN with an initial response, after an empty challenge, and its refusals") {
  const Credentials credentials = users();
  {
    ServerExchange exchange(Mechanism::plain, credentials, rfc2195_source());
    const Outcome outcome = exchange.start(plain("", "alice", "wonderland"));
    CHECK(outcome.kind == Kind::accepted);
    CHECK(outcome.user == "alice");
  }
  {
    ServerExchange exchange(Mechanism::plain, credentials, rfc2195_source());
    const Outcome first = exchange.start(std::nullopt);
    CHECK(first.kind == Kind::challenge);
    CHECK(first.challenge.empty());
    CHECK(exchange.step(plain("alice", "alice", "wonderland")).kind == Kind::accepted);
  }
  // The {CRAM-MD5} contexts check a PLAIN password too.
  CHECK(ServerExchange(Mechanism::plain, credentials, rfc2195_source())
            .start(plain("", "tim", "tanstaaftanstaaf"))
            .kind == Kind::accepted);
  auto outcome_of = [&](const std::string& message) {
    return ServerExchange(Mechanism::plain, credentials, rfc2195_source()).start(message);
  };
  const Outcome wrong = outcome_of(plain("", "alice", "wonderlanD"));
  CHECK(wrong.kind == Kind::rejected);
  CHECK(wrong.cause == "wrong password");
  CHECK(outcome_of(plain("", "alice", "wonderland2")).kind == Kind::rejected);
  CHECK(outcome_of(plain("", "mallory", "wonderland")).cause == "no such user");
  const Outcome other = outcome_of(plain("tim", "alice", "wonderland"));
  CHECK(other.kind == Kind::rejected);
  CHECK(other.cause == "may not act as 'tim'");
  CHECK(outcome_of(std::string("alice\0wonderland", 16)).kind == Kind::malformed);
  CHECK(outcome_of(plain("", "", "wonderland")).kind == Kind::malformed);
  CHECK(outcome_of(plain("", "alice", "")).kind == Kind::malformed);
  CHECK(outcome_of(plain("", "alice", std::string(256, 'x'))).kind == Kind::malformed);
  CHECK(outcome_of(plain("", "alice", std::string("wonder\0land", 11))).kind == Kind::malformed);
}

TEST_CASE("LOGIN asks for the user name and the password, or takes the name as initial response") {
  const Credentials credentials = users();
  ServerExchange exchange(Mechanism::login, credentials, rfc2195_source());
  CHECK(exchange.start(std::nullopt).challenge == "Username:");
  CHECK(exchange.step("alice").challenge == "Password:");
  CHECK(exchange.step("wonderland").kind == Kind::accepted);

  ServerExchange eager(Mechanism::login, credentials, rfc2195_source());
  CHECK(eager.start(std::string_view("alice")).challenge == "Password:");
  const Outcome wrong = eager.step("looking-glass");
  CHECK(wrong.kind == Kind::rejected);
  CHECK(wrong.user == "alice");

  ServerExchange empty(Mechanism::login, credentials, rfc2195_source());
  (void)empty.start(std::nullopt);
  CHECK(empty.step("").kind == Kind::malformed);
}

TEST_CASE("mechanism names are case-insensitive and PLAIN and LOGIN send the password") {
  CHECK(mechanism_named("cram-md5") == Mechanism::cram_md5);
  CHECK(mechanism_named("Plain") == Mechanism::plain);
  CHECK(mechanism_named("LOGIN") == Mechanism::login);
  CHECK_FALSE(mechanism_named("DIGEST-MD5"));
  CHECK(name_of(Mechanism::cram_md5) == "CRAM-MD5");
  CHECK(sends_password(Mechanism::plain));
  CHECK(sends_password(Mechanism::login));
  CHECK_FALSE(sends_password(Mechanism::cram_md5));
}
