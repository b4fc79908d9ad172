#include "ocp/smtp/smtp_profile.hpp"

#include <doctest/doctest.h>

#include "wire.hpp"

namespace ocp::smtp::test {

namespace {

Feature offered_feature(std::string_view vector_id) {
  const auto no = decode_as<NegotiationOffer>(vector_message(vector_id, 0));
  REQUIRE(no.features.size() == 1);
  return no.features[0];
}

Feature feature_of(std::string_view members) {
  auto feature = read_feature(
      value_of("{\"38:http://iana.org/opes/ocp/SMTP/receiver\"" + std::string(members) + "}"));
  REQUIRE(feature);
  return *feature;
}

}  // namespace

TEST_CASE("A-19: Figure 5's offer reads with the -Commands members as part lists") {
  auto profile = read_smtp_profile(offered_feature("D-F5"));
  REQUIRE_MESSAGE(profile, (profile ? "" : profile.error().describe()));
  CHECK(profile->direction == Direction::receiver);
  CHECK(profile->adaptive_parts == std::vector<AmPart>{AmPart::mail, AmPart::rcpt});
  CHECK(profile->informative_parts ==
        std::vector<AmPart>{AmPart::ip(), AmPart::ehlo, AmPart::singleheaders});
  CHECK_FALSE(profile->header_list);
  CHECK(profile->extensions.empty());
  CHECK(profile->others == Structure{});
}

TEST_CASE("A-19 and A-21: Figure 4's offer reads DATA as RAWDATA") {
  auto profile = read_smtp_profile(offered_feature("D-F4"));
  REQUIRE(profile);
  CHECK(profile->adaptive_parts == std::vector<AmPart>{AmPart::rcpt, AmPart::rawdata});
  CHECK(profile->informative_parts ==
        std::vector<AmPart>{AmPart::ip(), AmPart::helo, AmPart::mail});
}

TEST_CASE("A-19: with the aliases off, -Commands members are unknown members, kept") {
  ReadOptions strict;
  strict.commands_aliases = false;
  auto profile = read_smtp_profile(offered_feature("D-F5"), strict);
  REQUIRE(profile);
  CHECK(profile->adaptive_parts.empty());
  CHECK(profile->informative_parts.empty());
  REQUIRE(profile->others.named.size() == 2);
  CHECK(profile->others.named[0].name == "Adaptive-Commands");
}

TEST_CASE("A-19: both spellings of one member in the same profile are an error") {
  auto both =
      read_smtp_profile(feature_of("\r\nAdaptive-Parts: (MAIL)\r\nAdaptive-Commands: (RCPT)\r\n"));
  REQUIRE_FALSE(both);
  CHECK(both.error().describe() ==
        "SMTP profile member 'Adaptive-Commands': given together with Adaptive-Parts");
  auto informative = read_smtp_profile(
      feature_of("\r\nInformative-Commands: (RCPT)\r\nInformative-Parts: (MAIL)\r\n"));
  REQUIRE_FALSE(informative);
  CHECK(informative.error().member == "Informative-Parts");
}

TEST_CASE("a profile member named twice is an error") {
  auto twice = read_smtp_profile(feature_of("\r\nHeader-List: (From)\r\nHeader-List: (To)\r\n"));
  REQUIRE_FALSE(twice);
  CHECK(twice.error().describe() == "SMTP profile member 'Header-List': appears more than once");
}

TEST_CASE("Header-List, Extensions and unknown members are read and kept") {
  auto profile = read_smtp_profile(
      feature_of(" x-anon\r\nX-Future: 7\r\nInformative-Parts: (SINGLEHEADERS)\r\n"
                 "Header-List: (\"1:*\")\r\nExtensions: (AUTH,SIZE)\r\n"));
  REQUIRE(profile);
  REQUIRE(profile->header_list);
  CHECK(profile->header_list->has_wildcard());
  CHECK(profile->extensions.contains("size"));
  CHECK(profile->others.anonymous == std::vector<Value>{Value::atom("x-anon")});
  REQUIRE(profile->others.named.size() == 1);
  CHECK(profile->others.named[0].name == "X-Future");
}

TEST_CASE("profile members of the wrong type name the member and the fault") {
  auto atom = read_smtp_profile(feature_of("\r\nAdaptive-Parts: RCPT\r\n"));
  REQUIRE_FALSE(atom);
  CHECK(atom.error().describe() ==
        "SMTP profile member 'Adaptive-Parts': am-parts must be a list, not an atom");
  auto alias = read_smtp_profile(feature_of("\r\nInformative-Commands: ({x})\r\n"));
  REQUIRE_FALSE(alias);
  CHECK(alias.error().member == "Informative-Commands");
  CHECK_FALSE(read_smtp_profile(feature_of("\r\nHeader-List: From\r\n")));
  CHECK_FALSE(read_smtp_profile(feature_of("\r\nExtensions: (\"3:A B\")\r\n")));
}

TEST_CASE("a feature whose uri is no SMTP profile ID is not read as a profile") {
  Feature http{"http://www.iana.org/assignments/opes/ocp/http/response", {}};
  auto profile = read_smtp_profile(http);
  REQUIRE_FALSE(profile);
  CHECK(profile.error().member == "uri");
}

TEST_CASE("A-19: a profile is written with -Parts members in strict RFC 4037 bytes") {
  SmtpProfile profile;
  profile.direction = Direction::receiver;
  profile.adaptive_parts = {AmPart::rawdata};
  profile.informative_parts = {AmPart::mail, AmPart::rcpt};
  CHECK(bytes_of(write_feature(write_smtp_profile(profile))) ==
        "{\"38:http://iana.org/opes/ocp/SMTP/receiver\"\r\n"
        "Adaptive-Parts: (RAWDATA)\r\n"
        "Informative-Parts: (MAIL,RCPT)\r\n"
        "}");
}

TEST_CASE(
    "empty part lists are omitted, Header-List and Extensions written, unknown members last") {
  SmtpProfile profile;
  profile.direction = Direction::sender;
  profile.informative_parts = {AmPart::singleheaders};
  profile.header_list = HeaderList{{"*"}};
  profile.extensions = EhloKeywords{{"AUTH"}};
  profile.others.named.push_back({"X-Future", Value::atom("7"), {}});
  CHECK(bytes_of(write_feature(write_smtp_profile(profile))) ==
        "{\"36:http://iana.org/opes/ocp/SMTP/sender\"\r\n"
        "Informative-Parts: (SINGLEHEADERS)\r\n"
        "Header-List: (\"1:*\")\r\n"
        "Extensions: (AUTH)\r\n"
        "X-Future: 7\r\n"
        "}");
}

TEST_CASE("a profile written and read back is the same profile") {
  SmtpProfile profile;
  profile.adaptive_parts = {AmPart::mail, AmPart::rcpt};
  profile.informative_parts = {AmPart::ip(), AmPart::from_token("VIPNAME"), AmPart::singleheaders};
  profile.header_list = HeaderList{{"From", "To"}};
  profile.extensions = EhloKeywords{{"AUTH", "SIZE", "VIPEXT"}};
  auto read = read_smtp_profile(write_smtp_profile(profile));
  REQUIRE(read);
  CHECK(*read == profile);
}

}  // namespace ocp::smtp::test
