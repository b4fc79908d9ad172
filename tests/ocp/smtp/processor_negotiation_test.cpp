#include "ocp/smtp/processor_negotiation.hpp"

#include <doctest/doctest.h>

#include "wire.hpp"

namespace ocp::smtp::test {

namespace {

// The processor's offer used throughout: receiver profile, SG 25.
constexpr std::string_view kOffer =
    "NO ({\"38:http://iana.org/opes/ocp/SMTP/receiver\"\r\n"
    "Adaptive-Parts: (MAIL,RCPT,RAWDATA,ALLHEADERS,BODY)\r\n"
    "Informative-Parts: (IP,EHLO,SINGLEHEADERS,SECTIONS)\r\n"
    "})\r\nSG: 25\r\n;\r\n";

/// Checks the NR whose feature members are `members` against kOffer.
Expected<SmtpProfile, NegotiationViolation> check_members(
    std::string_view members,
    std::string_view uri = "\"38:http://iana.org/opes/ocp/SMTP/receiver\"") {
  const auto no = decode_as<NegotiationOffer>(kOffer);
  const auto nr = decode_as<NegotiationResponse>("NR {" + std::string(uri) + std::string(members) +
                                                 "}\r\nSG: 25\r\n;\r\n");
  REQUIRE(nr.feature);
  return check_response(no.features, *nr.feature);
}

NegotiationRule rule_of(const Expected<SmtpProfile, NegotiationViolation>& checked) {
  REQUIRE_FALSE(checked);
  return checked.error().rule;
}

}  // namespace

TEST_CASE("a response within the offer is accepted and is the profile in force") {
  auto checked = check_members(
      "\r\nAdaptive-Parts: (RCPT,BODY)\r\nInformative-Parts: (IP,MAIL,SINGLEHEADERS)\r\n"
      "Header-List: (Subject)\r\nExtensions: (SIZE)\r\n");
  REQUIRE_MESSAGE(checked, (checked ? "" : checked.error().describe()));
  CHECK(checked->adaptive_parts == std::vector<AmPart>{AmPart::rcpt, AmPart::body});
  CHECK(checked->header_list == HeaderList{{"Subject"}});
  CHECK(checked->extensions.contains("size"));
}

TEST_CASE("an empty response profile is within any offer") {
  CHECK(check_members(""));
}

TEST_CASE("smtp 3.2.3: an adaptive part the offer did not list as adaptive closes the connection") {
  auto informative_only = check_members("\r\nAdaptive-Parts: (SECTIONS)\r\n");
  CHECK(rule_of(informative_only) == NegotiationRule::adaptive_part_not_offered);
  CHECK(informative_only.error().describe() ==
        "smtp §3.2.3: Adaptive-Parts lists SECTIONS, which the offer did not list as adaptive");
  CHECK(rule_of(check_members("\r\nAdaptive-Parts: (VRFY)\r\n")) ==
        NegotiationRule::adaptive_part_not_offered);
}

TEST_CASE("smtp 3.2.4: an informative part the offer listed nowhere closes the connection") {
  auto checked = check_members("\r\nInformative-Parts: (HELO)\r\n");
  CHECK(rule_of(checked) == NegotiationRule::informative_part_not_offered);
  CHECK(checked.error().describe() ==
        "smtp §3.2.4: Informative-Parts lists HELO, which the offer did not list");
  CHECK(rule_of(check_members("\r\nInformative-Parts: (VIPNAME)\r\n")) ==
        NegotiationRule::informative_part_not_offered);
}

TEST_CASE("smtp 3.2.4: a part in both lists closes the connection") {
  auto checked = check_members("\r\nAdaptive-Parts: (RCPT)\r\nInformative-Parts: (RCPT)\r\n");
  CHECK(rule_of(checked) == NegotiationRule::part_in_both_lists);
  CHECK(checked.error().describe() ==
        "smtp §3.2.4: RCPT is in both Adaptive-Parts and Informative-Parts");
}

TEST_CASE("smtp 3.2.3 and 3.2.4: mutually exclusive parts in the response close the connection") {
  auto across = check_members("\r\nAdaptive-Parts: (RAWDATA)\r\nInformative-Parts: (SECTIONS)\r\n");
  CHECK(rule_of(across) == NegotiationRule::mutually_exclusive_parts);
  CHECK(across.error().describe() ==
        "smtp §3.2.1: the response lists mutually exclusive parts RAWDATA and SECTIONS");
  CHECK(rule_of(check_members(
            "\r\nAdaptive-Parts: (ALLHEADERS)\r\nInformative-Parts: (SINGLEHEADERS)\r\n"
            "Header-List: (From)\r\n")) == NegotiationRule::mutually_exclusive_parts);
  CHECK(rule_of(check_members("\r\nAdaptive-Parts: (BODY)\r\nInformative-Parts: (SECTIONS)\r\n")) ==
        NegotiationRule::mutually_exclusive_parts);
}

TEST_CASE("smtp 3.2.5: Header-List without SINGLEHEADERS closes the connection") {
  auto checked = check_members("\r\nAdaptive-Parts: (MAIL)\r\nHeader-List: (From)\r\n");
  CHECK(rule_of(checked) == NegotiationRule::header_list_without_singleheaders);
  CHECK(checked.error().describe() ==
        "smtp §3.2.5: Header-List is present but SINGLEHEADERS is not listed");
}

TEST_CASE("smtp 3.2.5: SINGLEHEADERS without Header-List closes the connection") {
  auto checked = check_members("\r\nInformative-Parts: (SINGLEHEADERS)\r\n");
  CHECK(rule_of(checked) == NegotiationRule::header_list_missing);
  CHECK(checked.error().describe() ==
        "smtp §3.2.5: SINGLEHEADERS is listed but Header-List is missing");
}

TEST_CASE("smtp 3.1: a forbidden part in the response closes the connection") {
  auto checked = check_members("\r\nInformative-Parts: (RSET)\r\n");
  CHECK(rule_of(checked) == NegotiationRule::forbidden_part);
  CHECK(checked.error().describe() == "smtp §3.1: RSET is never an application message part");
}

TEST_CASE("A-21: a response choosing DATA is read as RAWDATA, or is a forbidden part strictly") {
  CHECK(check_members("\r\nAdaptive-Parts: (DATA)\r\n"));
  const auto no = decode_as<NegotiationOffer>(kOffer);
  const auto nr = decode_as<NegotiationResponse>(
      "NR {\"38:http://iana.org/opes/ocp/SMTP/receiver\"\r\nAdaptive-Parts: (DATA)\r\n}\r\nSG: "
      "25\r\n;\r\n");
  ReadOptions strict;
  strict.data_as_rawdata = false;
  CHECK(rule_of(check_response(no.features, *nr.feature, strict)) ==
        NegotiationRule::forbidden_part);
}

TEST_CASE("A-24: an accepted feature that is no SMTP profile closes the connection") {
  auto checked = check_members("", "\"38:http://iana.org/opes/ocp/smtp/receiver\"");
  CHECK(rule_of(checked) == NegotiationRule::not_an_smtp_profile);
  CHECK(checked.error().describe() ==
        "smtp §3.2: the accepted feature 'http://iana.org/opes/ocp/smtp/receiver' is not an SMTP "
        "profile");
}

TEST_CASE("RFC 4037 6.1: the other direction's profile was not offered and closes the connection") {
  auto checked = check_members("\r\nAdaptive-Parts: (MAIL)\r\n",
                               "\"36:http://iana.org/opes/ocp/SMTP/sender\"");
  CHECK(rule_of(checked) == NegotiationRule::profile_not_offered);
  CHECK(checked.error().describe() ==
        "RFC 4037 §6.1: the accepted SMTP sender profile was not offered");
  SmtpProfile sender;
  sender.direction = Direction::sender;
  CHECK(rule_of(check_response(SmtpProfile{}, sender)) == NegotiationRule::profile_not_offered);
}

TEST_CASE(
    "RFC 4037 10: a response profile whose members have the wrong type closes the connection") {
  auto checked = check_members("\r\nInformative-Parts: MAIL\r\n");
  CHECK(rule_of(checked) == NegotiationRule::malformed_profile);
  CHECK(rule_of(check_members("\r\nAdaptive-Parts: (MAIL)\r\nAdaptive-Commands: (MAIL)\r\n")) ==
        NegotiationRule::malformed_profile);
}

TEST_CASE("with several offered profiles of one uri, the response must fit one of them") {
  const auto no = decode_as<NegotiationOffer>(
      "NO ({\"38:http://iana.org/opes/ocp/SMTP/receiver\"\r\nAdaptive-Parts: (RAWDATA)\r\n},"
      "{\"38:http://iana.org/opes/ocp/SMTP/receiver\"\r\nAdaptive-Parts: (BODY)\r\n});\r\n");
  auto body = read_feature(
      value_of("{\"38:http://iana.org/opes/ocp/SMTP/receiver\"\r\nAdaptive-Parts: (BODY)\r\n}"));
  REQUIRE(body);
  CHECK(check_response(no.features, *body));
  auto both = read_feature(value_of(
      "{\"38:http://iana.org/opes/ocp/SMTP/receiver\"\r\nAdaptive-Parts: (RAWDATA,BODY)\r\n}"));
  REQUIRE(both);
  CHECK(rule_of(check_response(no.features, *both)) == NegotiationRule::adaptive_part_not_offered);
}

}  // namespace ocp::smtp::test
