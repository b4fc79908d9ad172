#include "opes/odmr/customers.hpp"

#include <doctest/doctest.h>

#include "opes/sasl/server_exchange.hpp"

using namespace opes::odmr;
using opes::sasl::hmac_md5;
using opes::sasl::hmac_md5_contexts;
using opes::sasl::same_contexts;
using opes::sasl::to_hex;

namespace {

using Domains = std::vector<std::string>;

// RFC 2195 §2's example: tim, secret tanstaaftanstaaf, this challenge and
// digest; the {CRAM-MD5} form is `doveadm pw -s CRAM-MD5 -p tanstaaftanstaaf`.
constexpr std::string_view kChallenge = "<1896.697170952@postoffice.reston.mci.net>";
constexpr std::string_view kDigest = "b913a602c7eda7a495b4e6e7334d3890";

constexpr std::string_view kFile =
    "# ODMR customers\n"
    "\n"
    "tim:{CRAM-MD5}d06d4e1b26fccaa4b0b61801132340a354b21152711fb604ca3e035e7015116b:tim.example,"
    "Mail.Tim.Example\r\n"
    "shop:{PLAIN}secret:shop.example\n"
    "   \n"
    "cust:{cleartext}wonderland:example.org,example.com,EXAMPLE.org\n";

Customers parsed() {
  auto customers = parse_customers(kFile);
  REQUIRE(customers);
  return std::move(*customers);
}

std::string error_of(std::string_view text, const CustomersLimits& limits = {}) {
  auto customers = parse_customers(text, limits);
  REQUIRE_FALSE(customers);
  return customers.error();
}

}  // namespace

TEST_CASE("a customers file gives each customer its secret and its domains in lower case") {
  const Customers customers = parsed();
  CHECK(customers.size() == 3);
  CHECK(customers.credentials().size() == 3);
  REQUIRE(customers.domains_of("tim"));
  CHECK(*customers.domains_of("tim") == Domains{"tim.example", "mail.tim.example"});
  CHECK(*customers.domains_of("shop") == Domains{"shop.example"});
  CHECK(*customers.domains_of("cust") == Domains{"example.org", "example.com"});  // once each
  CHECK_FALSE(customers.domains_of("Tim"));  // user names are exact, as for SMTP AUTH
  CHECK_FALSE(customers.domains_of("nobody"));
  REQUIRE(customers.credentials().find("shop"));
  CHECK(same_contexts(*customers.credentials().find("shop"), hmac_md5_contexts("secret")));
  CHECK(same_contexts(*customers.credentials().find("cust"), hmac_md5_contexts("wonderland")));
}

TEST_CASE("a {CRAM-MD5} customer's contexts give RFC 2195's digest and pass a CRAM-MD5 exchange") {
  const Customers customers = parsed();
  const auto* contexts = customers.credentials().find("tim");
  REQUIRE(contexts);
  CHECK(to_hex(hmac_md5(*contexts, kChallenge)) == kDigest);

  using opes::sasl::ChallengeSource;
  using opes::sasl::Mechanism;
  using opes::sasl::Outcome;
  using opes::sasl::ServerExchange;
  ServerExchange exchange(
      Mechanism::cram_md5, customers.credentials(),
      ChallengeSource{[] { return std::uint64_t{1896}; }, [] { return std::int64_t{697170952}; },
                      "postoffice.reston.mci.net"});
  CHECK(exchange.start(std::nullopt).challenge == kChallenge);
  const Outcome outcome = exchange.step("tim " + std::string(kDigest));
  CHECK(outcome.kind == Outcome::Kind::accepted);
  CHECK(outcome.user == "tim");
}

TEST_CASE("owner_of finds a domain's customer in any case") {
  const Customers customers = parsed();
  CHECK(customers.owner_of("example.com") == std::optional<std::string_view>("cust"));
  CHECK(customers.owner_of("EXAMPLE.Com") == std::optional<std::string_view>("cust"));
  CHECK(customers.owner_of("mail.tim.example") == std::optional<std::string_view>("tim"));
  CHECK_FALSE(customers.owner_of("sub.example.com"));  // a domain, not its subdomains
  CHECK_FALSE(customers.owner_of("unknown.example"));
}

TEST_CASE("all_domains lists every customer domain once, sorted") {
  CHECK(parsed().all_domains() ==
        Domains{"example.com", "example.org", "mail.tim.example", "shop.example", "tim.example"});
  CHECK(Customers().all_domains().empty());
}

TEST_CASE("each malformed line is named by its number and cause") {
  CHECK(error_of("a:{PLAIN}x:a.example\nno colon here\n") ==
        "line 2: expected user:{SCHEME}secret:domain,domain");
  CHECK(error_of("a:{PLAIN}x\n") == "line 1: no domains (user:{SCHEME}secret:domain,domain)");
  CHECK(error_of("a:{PLAIN}x:\n") == "line 1: no domains (user:{SCHEME}secret:domain,domain)");
  CHECK(error_of("a:{PLAIN}x:a.example:1000\n") ==
        "line 1: a fourth field (user:{SCHEME}secret:domain,domain)");
  CHECK(error_of(":{PLAIN}x:a.example\n") == "line 1: empty user name");
  CHECK(error_of("a:plaintext:a.example\n") ==
        "line 1: the password must start with a {SCHEME}: {PLAIN} or {CRAM-MD5}");
  CHECK(error_of("a:{SHA512-CRYPT}x:a.example\n") ==
        "line 1: unknown scheme {SHA512-CRYPT} (PLAIN or CRAM-MD5)");
  CHECK(error_of("a:{CRAM-MD5}abcd:a.example\n") ==
        "line 1: a {CRAM-MD5} secret is 64 hex digits (doveadm pw -s CRAM-MD5)");
  CHECK(error_of("a:{PLAIN}:a.example\n") == "line 1: empty password");
  CHECK(error_of(std::string("a:{PLAIN}x:a.example\x01\n")) == "line 1: holds a control character");
}

TEST_CASE("each malformed domain is refused by ATRN's rules, naming the line") {
  CHECK(error_of("a:{PLAIN}x:a..b\n") == "line 1: bad domain \"a..b\": has an empty label");
  CHECK(error_of("a:{PLAIN}x:x_y.example\n") ==
        "line 1: bad domain \"x_y.example\": a label holds \"_\"");
  CHECK(error_of("a:{PLAIN}x:localhost\n") ==
        "line 1: bad domain \"localhost\": one label only (a domain has two or more)");
  CHECK(error_of("a:{PLAIN}x:a.example.\n") == "line 1: bad domain \"a.example.\": ends in \".\"");
  CHECK(error_of("a:{PLAIN}x:a.example,\n") ==
        "line 1: an empty domain (a \",\" at either end or twice)");
  CHECK(error_of("a:{PLAIN}x:a.example, b.example\n") ==
        "line 1: bad domain \" b.example\": holds a space (none around \",\")");
  CHECK(error_of("a:{PLAIN}x:" + std::string(64, 'x') + ".example\n") ==
        "line 1: bad domain \"" + std::string(64, 'x') +
            ".example\": a label is longer than 63 octets");
}

TEST_CASE("a domain owned twice names both customers and a user twice is refused") {
  CHECK(error_of("a:{PLAIN}x:a.example,shared.example\n#\nb:{PLAIN}y:Shared.Example\n") ==
        "line 3: domain shared.example belongs to both 'a' and 'b'");
  CHECK(error_of("a:{PLAIN}x:a.example\na:{PLAIN}y:b.example\n") == "line 2: user 'a' again");
}

TEST_CASE("the file's size, line length, user count, name length and domain count are bounded") {
  CustomersLimits limits;
  limits.credentials.max_file_size = 128;
  limits.credentials.max_line = 40;
  limits.credentials.max_users = 2;
  limits.credentials.max_user_name = 8;
  limits.max_domains_per_customer = 2;
  CHECK(error_of(std::string(129, '#'), limits) == "larger than 128 octets");
  CHECK(error_of("#" + std::string(40, 'x') + "\n", limits) == "line 1: longer than 40 octets");
  CHECK(error_of("a:{PLAIN}1:a.example\nb:{PLAIN}2:b.example\nc:{PLAIN}3:c.example\n", limits) ==
        "line 3: more than 2 users");
  CHECK(error_of("abcdefghi:{PLAIN}1:a.example\n", limits) ==
        "line 1: user name longer than 8 octets");
  CHECK(error_of("a:{PLAIN}1:a.example,b.example,c.example\n", limits) ==
        "line 1: more than 2 domains");
  CHECK(parse_customers("a:{PLAIN}1:a.example,b.example\nb:{PLAIN}2:c.example\n", limits));
}

TEST_CASE("add refuses a taken domain, a known user and no domains, adding nothing") {
  Customers customers;
  CHECK(customers.add("a", hmac_md5_contexts("x"), {"A.Example", "a.example"}));
  CHECK(*customers.domains_of("a") == Domains{"a.example"});
  CHECK_FALSE(customers.add("b", hmac_md5_contexts("y"), {"b.example", "a.example"}));
  CHECK_FALSE(customers.owner_of("b.example"));
  CHECK_FALSE(customers.credentials().find("b"));
  CHECK_FALSE(customers.add("a", hmac_md5_contexts("y"), {"c.example"}));
  CHECK_FALSE(customers.add("c", hmac_md5_contexts("y"), {}));
  CHECK(customers.size() == 1);
}
