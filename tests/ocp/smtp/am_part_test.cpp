#include "ocp/smtp/am_part.hpp"

#include <doctest/doctest.h>

#include <algorithm>

#include "wire.hpp"

namespace ocp::smtp::test {

TEST_CASE("the eleven parts smtp 3.1 defines are read by their exact tokens") {
  const std::pair<std::string_view, AmPart::Kind> defined[] = {
      {"EHLO", AmPart::ehlo},
      {"HELO", AmPart::helo},
      {"MAIL", AmPart::mail},
      {"RCPT", AmPart::rcpt},
      {"VRFY", AmPart::vrfy},
      {"EXPN", AmPart::expn},
      {"RAWDATA", AmPart::rawdata},
      {"ALLHEADERS", AmPart::allheaders},
      {"SINGLEHEADERS", AmPart::singleheaders},
      {"BODY", AmPart::body},
      {"SECTIONS", AmPart::sections}};
  for (const auto& [token, kind] : defined) {
    const AmPart read = AmPart::from_token(token);
    CHECK(read.kind() == kind);
    CHECK(read.token() == token);
    CHECK_FALSE(read.is_extension());
    CHECK(bytes_of(write_am_part(read)) == token);
  }
}

TEST_CASE("tokens are case-sensitive: rcpt is an extension part, not RCPT") {
  const AmPart lower = AmPart::from_token("rcpt");
  CHECK(lower.is_extension());
  CHECK(lower != AmPart(AmPart::rcpt));
}

TEST_CASE("extension parts are kept by name: VIPNAME and the project's IP") {
  const AmPart vipname = AmPart::from_token("VIPNAME");
  CHECK(vipname.is_extension());
  CHECK(vipname.token() == "VIPNAME");
  CHECK(AmPart::from_token("IP") == AmPart::ip());
  CHECK(AmPart::ip().is_ip());
  CHECK_FALSE(vipname.is_ip());
}

TEST_CASE("DATA, RSET and QUIT are never parts") {
  for (std::string_view token : {"DATA", "RSET", "QUIT"}) {
    CHECK(AmPart::from_token(token).is_forbidden());
  }
  CHECK_FALSE(AmPart::from_token("RAWDATA").is_forbidden());
  CHECK_FALSE(AmPart::from_token("VIPNAME").is_forbidden());
}

TEST_CASE("A-21: DATA reads as RAWDATA in AM-Part by default, and is refused strictly") {
  auto aliased = read_am_part(Value::atom("DATA"));
  REQUIRE(aliased);
  CHECK(*aliased == AmPart(AmPart::rawdata));
  ReadOptions strict;
  strict.data_as_rawdata = false;
  auto refused = read_am_part(Value::atom("DATA"), strict);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().reason ==
        "'DATA' is never an am-part (smtp §3.1 forbids DATA, RSET, QUIT)");
}

TEST_CASE("RSET and QUIT in AM-Part are type errors whatever the options") {
  CHECK_FALSE(read_am_part(Value::atom("RSET")));
  CHECK_FALSE(read_am_part(Value::atom("QUIT")));
}

TEST_CASE("AM-Part must be a non-empty atom") {
  auto list = read_am_part(value_of("(RCPT)"));
  REQUIRE_FALSE(list);
  CHECK(list.error().reason == "am-part must be an atom, not a list");
  CHECK_FALSE(read_am_part(Value::atom("")));
}

TEST_CASE("only RAWDATA, ALLHEADERS, BODY and SECTIONS may span several DUMs") {
  for (auto kind : {AmPart::rawdata, AmPart::allheaders, AmPart::body, AmPart::sections}) {
    CHECK(AmPart(kind).can_span_dums());
  }
  for (auto kind : {AmPart::ehlo, AmPart::helo, AmPart::mail, AmPart::rcpt, AmPart::vrfy,
                    AmPart::expn, AmPart::singleheaders}) {
    CHECK_FALSE(AmPart(kind).can_span_dums());
  }
  CHECK_FALSE(AmPart::ip().can_span_dums());
  CHECK_FALSE(part("VIPNAME").can_span_dums());
}

TEST_CASE("mutual exclusion follows smtp 3.2.1 and is symmetric") {
  const AmPart rawdata = AmPart::rawdata;
  for (auto kind : {AmPart::allheaders, AmPart::singleheaders, AmPart::body, AmPart::sections}) {
    CHECK(mutually_exclusive(rawdata, kind));
    CHECK(mutually_exclusive(kind, rawdata));
  }
  CHECK(mutually_exclusive(AmPart::allheaders, AmPart::singleheaders));
  CHECK(mutually_exclusive(AmPart::sections, AmPart::body));
  CHECK_FALSE(mutually_exclusive(AmPart::allheaders, AmPart::body));
  CHECK_FALSE(mutually_exclusive(AmPart::singleheaders, AmPart::sections));
  CHECK_FALSE(mutually_exclusive(AmPart::mail, AmPart::rcpt));
  CHECK_FALSE(mutually_exclusive(rawdata, rawdata));
  CHECK_FALSE(mutually_exclusive(rawdata, part("VIPNAME")));
}

TEST_CASE("SMTP order: IP, greeting, MAIL, RCPT, header or whole message, body") {
  CHECK(smtp_order(AmPart::ip()) == 0u);
  CHECK(smtp_order(AmPart::ehlo) == 1u);
  CHECK(smtp_order(AmPart::helo) == 1u);
  CHECK(smtp_order(AmPart::mail) == 2u);
  CHECK(smtp_order(AmPart::rcpt) == 3u);
  CHECK(smtp_order(AmPart::rawdata) == 4u);
  CHECK(smtp_order(AmPart::allheaders) == 4u);
  CHECK(smtp_order(AmPart::singleheaders) == 4u);
  CHECK(smtp_order(AmPart::body) == 5u);
  CHECK(smtp_order(AmPart::sections) == 5u);
  CHECK_FALSE(smtp_order(AmPart::vrfy));
  CHECK_FALSE(smtp_order(AmPart::expn));
  CHECK_FALSE(smtp_order(part("VIPNAME")));
}

TEST_CASE("A-29 and A-21: EHLO, HELO and IP are informative only") {
  CHECK(AmPart(AmPart::ehlo).is_informative_only());
  CHECK(AmPart(AmPart::helo).is_informative_only());
  CHECK(AmPart::ip().is_informative_only());
  CHECK_FALSE(AmPart(AmPart::mail).is_informative_only());
  CHECK_FALSE(part("VIPNAME").is_informative_only());
}

TEST_CASE("am-parts lists keep extension and forbidden tokens and drop repeats") {
  auto parts = read_am_parts(value_of("(IP,HELO,MAIL,VIPNAME,RSET,MAIL)"));
  REQUIRE(parts);
  REQUIRE(parts->size() == 5);
  CHECK((*parts)[0] == AmPart::ip());
  CHECK((*parts)[3] == part("VIPNAME"));
  CHECK((*parts)[4].is_forbidden());
}

TEST_CASE("am-parts must be a list of atoms") {
  auto atom = read_am_parts(Value::atom("RCPT"));
  REQUIRE_FALSE(atom);
  CHECK(atom.error().reason == "am-parts must be a list, not an atom");
  auto nested = read_am_parts(value_of("(RCPT,(MAIL))"));
  REQUIRE_FALSE(nested);
  CHECK(nested.error().reason == "am-parts item 2: am-part must be an atom, not a list");
}

TEST_CASE("am-parts are written as a bare list in the order given") {
  CHECK(bytes_of(write_am_parts({AmPart::mail, AmPart::rcpt})) == "(MAIL,RCPT)");
  CHECK(bytes_of(write_am_parts({})) == "()");
}

TEST_CASE("canonical order puts IP first and unknown extension parts last") {
  std::vector<AmPart> parts = {part("VIPNAME"), AmPart::sections, AmPart::rcpt,
                               AmPart::ip(),    AmPart::mail,     AmPart::ehlo};
  std::stable_sort(parts.begin(), parts.end(), canonical_less);
  CHECK(bytes_of(write_am_parts(parts)) == "(IP,EHLO,MAIL,RCPT,SECTIONS,VIPNAME)");
}

}  // namespace ocp::smtp::test
