#include "opes/odmr/atrn.hpp"

#include <doctest/doctest.h>

using namespace opes::odmr;

namespace {

using Domains = std::vector<std::string>;

std::string error_of(std::string_view argument, const AtrnLimits& limits = {}) {
  auto parsed = parse_atrn_domains(argument, limits);
  REQUIRE_FALSE(parsed);
  return parsed.error();
}

constexpr std::string_view kSyntax = "Syntax: ATRN [domain *(\",\" domain)]: ";

}  // namespace

TEST_CASE("ATRN without an argument names no domains, meaning all of the customer's") {
  const auto domains = parse_atrn_domains("");
  REQUIRE(domains);
  CHECK(domains->empty());
}

TEST_CASE("fetchmail's comma-joined fetchdomains are read in order") {
  CHECK(*parse_atrn_domains("example.org,example.com") == Domains{"example.org", "example.com"});
  CHECK(*parse_atrn_domains("example.org") == Domains{"example.org"});
  CHECK(*parse_atrn_domains("a.b.c.example,x-1.example,9.example") ==
        Domains{"a.b.c.example", "x-1.example", "9.example"});
}

TEST_CASE("domains are folded to lower case and given once, in their first place") {
  CHECK(*parse_atrn_domains("Example.ORG") == Domains{"example.org"});
  CHECK(*parse_atrn_domains("b.example,A.example,B.EXAMPLE,a.example,c.example") ==
        Domains{"b.example", "a.example", "c.example"});
}

TEST_CASE("labels of one octet and of exactly 63 octets are domains") {
  CHECK(parse_atrn_domains("a.b"));
  CHECK(parse_atrn_domains(std::string(63, 'x') + ".example"));
  CHECK(parse_atrn_domains("x--y.example"));
}

TEST_CASE("each malformed domain is refused with a 501 text naming the problem") {
  CHECK(error_of("x_y.example") ==
        std::string(kSyntax) + "bad domain \"x_y.example\": a label holds \"_\"");
  CHECK(error_of("example") ==
        std::string(kSyntax) + "bad domain \"example\": one label only (a domain has two or more)");
  CHECK(error_of("example.org.") ==
        std::string(kSyntax) + "bad domain \"example.org.\": ends in \".\"");
  CHECK(error_of("a..b") == std::string(kSyntax) + "bad domain \"a..b\": has an empty label");
  CHECK(error_of(".a.b") == std::string(kSyntax) + "bad domain \".a.b\": has an empty label");
  CHECK(error_of("-a.example") ==
        std::string(kSyntax) + "bad domain \"-a.example\": a label starts or ends with \"-\"");
  CHECK(error_of("a-.example") ==
        std::string(kSyntax) + "bad domain \"a-.example\": a label starts or ends with \"-\"");
  CHECK(error_of("[192.0.2.1]") ==
        std::string(kSyntax) + "bad domain \"[192.0.2.1]\": a label holds \"[\"");
  CHECK(error_of("caf\xc3\xa9.example") ==
        std::string(kSyntax) + "bad domain \"caf??.example\": a label holds octet 0xC3");
}

TEST_CASE("commas at either end, twice, or with spaces around them are refused") {
  const std::string empty =
      std::string(kSyntax) + "an empty domain (a \",\" at either end or twice)";
  CHECK(error_of("example.org,") == empty);
  CHECK(error_of(",example.org") == empty);
  CHECK(error_of("example.org,,example.com") == empty);
  CHECK(error_of(",") == empty);
  CHECK(error_of("example.org, example.com") ==
        std::string(kSyntax) + "bad domain \" example.com\": holds a space (none around \",\")");
  CHECK(error_of("example.org ,example.com") ==
        std::string(kSyntax) + "bad domain \"example.org \": holds a space (none around \",\")");
  CHECK(error_of(" ") ==
        std::string(kSyntax) + "bad domain \" \": holds a space (none around \",\")");
}

TEST_CASE("a label over 63 octets, a domain over the limit and too many domains are refused") {
  const std::string long_label = std::string(64, 'x') + ".example";
  CHECK(error_of(long_label) == std::string(kSyntax) + "bad domain \"" + std::string(64, 'x') +
                                    "...\": a label is longer than 63 octets");
  std::string name;
  while (name.size() < 256) name += "abcdefghi.";
  name = name.substr(0, 252) + "com";  // 255 octets
  CHECK(parse_atrn_domains(name));
  CHECK(error_of(name + "x").find("longer than 255 octets") != std::string::npos);

  AtrnLimits limits;
  limits.max_domains = 2;
  limits.max_domain = 11;
  CHECK(parse_atrn_domains("a.example,b.example", limits));
  CHECK(error_of("a.example,b.example,c.example", limits) ==
        std::string(kSyntax) + "more than 2 domains");
  // Repeats count too: the bound is on the work, before duplicates are dropped.
  CHECK(error_of("a.example,a.example,a.example", limits) ==
        std::string(kSyntax) + "more than 2 domains");
  CHECK(error_of("ab.example.x", limits) ==
        std::string(kSyntax) + "bad domain \"ab.example.x\": longer than 11 octets");
}

TEST_CASE("a refused domain is shown without control characters or quotes") {
  CHECK(error_of(std::string("a\r\nb.example")) ==
        std::string(kSyntax) + "bad domain \"a??b.example\": a label holds octet 0x0D");
  CHECK(error_of("a\"b.example") ==
        std::string(kSyntax) + "bad domain \"a?b.example\": a label holds \"\"\"");
}

TEST_CASE("is_atrn_domain accepts what ATRN accepts, one domain at a time") {
  CHECK(is_atrn_domain("Example.ORG"));
  CHECK_FALSE(is_atrn_domain("example.org,example.com"));
  CHECK_FALSE(is_atrn_domain(""));
  CHECK(atrn_domain_error("") == std::optional<std::string>("empty"));
  CHECK_FALSE(is_atrn_domain("ab.example", 9));
}
