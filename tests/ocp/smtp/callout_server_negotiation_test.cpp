#include "ocp/smtp/callout_server_negotiation.hpp"

#include <doctest/doctest.h>

#include <random>

#include "ocp/smtp/processor_negotiation.hpp"
#include "wire.hpp"

namespace ocp::smtp::test {

namespace {

SmtpProfile offer(std::vector<AmPart> adaptive, std::vector<AmPart> informative) {
  SmtpProfile profile;
  profile.adaptive_parts = std::move(adaptive);
  profile.informative_parts = std::move(informative);
  return profile;
}

SmtpProfile chosen(const SmtpProfile& offered, const ServiceNeeds& needs) {
  auto response = choose_profile(offered, needs);
  REQUIRE_MESSAGE(response, (response ? "" : response.error().reason));
  return *response;
}

std::string feature_bytes(const SmtpProfile& profile) {
  return bytes_of(write_feature(write_smtp_profile(profile)));
}

const AmPart kRawdata = AmPart::rawdata;
const AmPart kAllHeaders = AmPart::allheaders;
const AmPart kSingleHeaders = AmPart::singleheaders;
const AmPart kBody = AmPart::body;
const AmPart kSections = AmPart::sections;
const AmPart kMail = AmPart::mail;
const AmPart kRcpt = AmPart::rcpt;

}  // namespace

TEST_CASE("a part is adaptive when wanted adaptive and offered adaptive") {
  const auto response = chosen(offer({kMail, kRcpt}, {}), {{kRcpt}, {}, {}, {}});
  CHECK(response.adaptive_parts == std::vector<AmPart>{kRcpt});
  CHECK(response.informative_parts.empty());
}

TEST_CASE("smtp 3.2.3: never a part the processor did not offer") {
  const auto response = chosen(offer({kMail}, {kRcpt}), {{kBody, kMail}, {kSections}, {}, {}});
  CHECK(response.adaptive_parts == std::vector<AmPart>{kMail});
  CHECK(response.informative_parts.empty());
}

TEST_CASE("smtp 3.2.3: a part offered only as informative is not taken as adaptive") {
  auto refused = choose_profile(offer({}, {kRcpt}), {{kRcpt}, {}, {}, {}});
  CHECK_FALSE(refused);
}

TEST_CASE(
    "a service listing a part in both needs gets it as informative when it cannot be adaptive") {
  const auto response = chosen(offer({}, {kRcpt}), {{kRcpt}, {kRcpt}, {}, {}});
  CHECK(response.adaptive_parts.empty());
  CHECK(response.informative_parts == std::vector<AmPart>{kRcpt});
}

TEST_CASE("smtp 3.2.4: informative may take a part offered as adaptive") {
  const auto response = chosen(offer({kMail, kRcpt}, {}), {{}, {kRcpt, kMail}, {}, {}});
  CHECK(response.informative_parts == std::vector<AmPart>{kMail, kRcpt});
}

TEST_CASE("smtp 3.2.4: never a part in both lists") {
  const auto response = chosen(offer({kRcpt}, {kRcpt}), {{kRcpt}, {kRcpt}, {}, {}});
  CHECK(response.adaptive_parts == std::vector<AmPart>{kRcpt});
  CHECK(response.informative_parts.empty());
}

TEST_CASE(
    "smtp 3.1: offered parts nobody wants, unknown extension parts and forbidden parts are "
    "ignored") {
  const auto offered =
      offer({kRcpt, part("X-FUTURE"), part("RSET")}, {part("VIPNAME"), part("QUIT")});
  const auto response = chosen(offered, {{kRcpt, part("RSET")}, {part("QUIT")}, {}, {}});
  CHECK(response.adaptive_parts == std::vector<AmPart>{kRcpt});
  CHECK(response.informative_parts.empty());
}

TEST_CASE("an extension part a service names is taken like any other (VIPNAME)") {
  const auto response =
      chosen(offer({}, {part("VIPNAME"), kMail}), {{}, {part("VIPNAME"), kMail}, {}, {}});
  CHECK(bytes_of(write_am_parts(response.informative_parts)) == "(MAIL,VIPNAME)");
}

TEST_CASE(
    "A-21 and A-29: IP, EHLO and HELO are never adaptive, wanted adaptive they become "
    "informative") {
  const auto offered = offer({AmPart::ip(), AmPart::ehlo, AmPart::helo, kMail}, {});
  const auto response =
      chosen(offered, {{AmPart::ip(), AmPart::ehlo, AmPart::helo, kMail}, {}, {}, {}});
  CHECK(response.adaptive_parts == std::vector<AmPart>{kMail});
  CHECK(bytes_of(write_am_parts(response.informative_parts)) == "(IP,EHLO,HELO)");
}

TEST_CASE(
    "mutual exclusion: between equals the containing part wins (RAWDATA over BODY and "
    "ALLHEADERS)") {
  const auto offered = offer({kRawdata, kAllHeaders, kBody}, {});
  const auto response = chosen(offered, {{kBody, kAllHeaders, kRawdata}, {}, {}, {}});
  CHECK(response.adaptive_parts == std::vector<AmPart>{kRawdata});
}

TEST_CASE("mutual exclusion: an adaptive part wins over an informative one it excludes") {
  const auto offered = offer({kBody}, {kRawdata, kAllHeaders});
  const auto response = chosen(offered, {{kBody}, {kRawdata, kAllHeaders}, {}, {}});
  CHECK(response.adaptive_parts == std::vector<AmPart>{kBody});
  CHECK(response.informative_parts == std::vector<AmPart>{kAllHeaders});
}

TEST_CASE("mutual exclusion: adaptive RAWDATA beats informative split parts") {
  const auto offered = offer({kRawdata}, {kSingleHeaders, kSections});
  const auto response = chosen(offered, {{kRawdata}, {kSingleHeaders, kSections}, {{"From"}}, {}});
  CHECK(response.adaptive_parts == std::vector<AmPart>{kRawdata});
  CHECK(response.informative_parts.empty());
  CHECK_FALSE(response.header_list);
}

TEST_CASE("mutual exclusion: ALLHEADERS over SINGLEHEADERS and BODY over SECTIONS between equals") {
  const auto offered = offer({}, {kAllHeaders, kSingleHeaders, kBody, kSections});
  const auto response =
      chosen(offered, {{}, {kSingleHeaders, kSections, kAllHeaders, kBody}, {{"From"}}, {}});
  CHECK(response.informative_parts == std::vector<AmPart>{kAllHeaders, kBody});
  CHECK_FALSE(response.header_list);
}

TEST_CASE(
    "mutual exclusion: adaptive SINGLEHEADERS and SECTIONS beat informative ALLHEADERS and BODY") {
  const auto offered = offer({kSingleHeaders, kSections}, {kAllHeaders, kBody});
  const auto response =
      chosen(offered, {{kSingleHeaders, kSections}, {kAllHeaders, kBody}, {{"Subject"}}, {}});
  CHECK(response.adaptive_parts == std::vector<AmPart>{kSingleHeaders, kSections});
  CHECK(response.informative_parts.empty());
  CHECK(response.header_list == HeaderList{{"Subject"}});
}

TEST_CASE("smtp 3.2.5: Header-List exactly when SINGLEHEADERS is chosen, normalised") {
  const auto offered = offer({}, {kSingleHeaders, kMail});
  const auto with = chosen(offered, {{}, {kSingleHeaders}, {{"From", "from", "To"}}, {}});
  CHECK(with.header_list == HeaderList{{"From", "To"}});
  const auto wildcard = chosen(offered, {{}, {kSingleHeaders}, {{"To", "*"}}, {}});
  CHECK(wildcard.header_list == HeaderList{{"*"}});
  const auto without = chosen(offered, {{}, {kMail}, {{"From"}}, {}});
  CHECK_FALSE(without.header_list);
}

TEST_CASE("smtp 3.2.5: SINGLEHEADERS without any header name is not taken") {
  const auto response =
      chosen(offer({}, {kSingleHeaders, kMail}), {{}, {kSingleHeaders, kMail}, {}, {}});
  CHECK(response.informative_parts == std::vector<AmPart>{kMail});
  CHECK_FALSE(response.header_list);
}

TEST_CASE("smtp 3.4.1: Extensions lists the services' EHLO keywords, never the offer's") {
  SmtpProfile offered = offer({kMail}, {});
  offered.extensions = EhloKeywords{{"PIPELINING"}};
  const auto response = chosen(offered, {{kMail}, {}, {}, {{"AUTH", "SIZE", "auth"}}});
  CHECK(response.extensions == EhloKeywords{{"AUTH", "SIZE"}});
}

TEST_CASE("the response keeps the offer's direction and none of its unknown members") {
  SmtpProfile offered = offer({kMail}, {});
  offered.direction = Direction::sender;
  offered.others.named.push_back({"X-Future", Value::atom("1"), {}});
  const auto response = chosen(offered, {{kMail}, {}, {}, {}});
  CHECK(response.direction == Direction::sender);
  CHECK(response.others == Structure{});
}

TEST_CASE("no acceptable profile: the offer is refused") {
  auto refused = choose_profile(offer({kMail}, {kRcpt}), {{kBody}, {kSections}, {{"From"}}, {}});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().reason == "the offer lists none of the parts the services need");
  CHECK_FALSE(choose_profile(offer({kMail}, {}), {}));
}

TEST_CASE("answer_offer accepts the first acceptable SMTP profile and echoes SG in strict bytes") {
  const auto no = decode_as<NegotiationOffer>(
      "NO ({\"36:http://iana.org/opes/ocp/SMTP/sender\"\r\nAdaptive-Parts: (MAIL)\r\n},"
      "{\"44:http://www.iana.org/assignments/opes/ocp/tls\"},"
      "{\"38:http://iana.org/opes/ocp/SMTP/receiver\"\r\nAdaptive-Parts: (RCPT,RAWDATA)\r\n})\r\n"
      "SG: 7\r\n;\r\n");
  NeedsByDirection needs;
  needs.receiver = ServiceNeeds{{kRawdata}, {kRcpt}, {}, {}};
  const OfferAnswer answer = answer_offer(no, needs);
  REQUIRE(answer.accepted);
  CHECK(answer.accepted->direction == Direction::receiver);
  REQUIRE(answer.refusals.size() == 1);
  CHECK(answer.refusals[0] == "sender profile: no service handles the SMTP sender profile");
  CHECK(encoded(answer.response) ==
        "NR {\"38:http://iana.org/opes/ocp/SMTP/receiver\"\r\n"
        "Adaptive-Parts: (RAWDATA)\r\n"
        "Informative-Parts: (RCPT)\r\n"
        "}\r\n"
        "SG: 7\r\n"
        "Rejects: ({\"36:http://iana.org/opes/ocp/SMTP/sender\"\r\nAdaptive-Parts: (MAIL)\r\n})\r\n"
        ";\r\n");
}

TEST_CASE("answer_offer without an acceptable profile is a negative NR listing the refused ones") {
  const auto no = decode_as<NegotiationOffer>(
      "NO ({\"38:http://iana.org/opes/ocp/SMTP/receiver\"\r\nAdaptive-Parts: RCPT\r\n},"
      "{\"38:http://iana.org/opes/ocp/SMTP/receiver\"\r\nAdaptive-Parts: (VRFY)\r\n});\r\n");
  NeedsByDirection needs;
  needs.receiver = ServiceNeeds{{kRcpt}, {}, {}, {}};
  const OfferAnswer answer = answer_offer(no, needs);
  CHECK_FALSE(answer.accepted);
  CHECK_FALSE(answer.response.feature);
  CHECK_FALSE(answer.response.sg_id);
  REQUIRE(answer.response.rejects);
  CHECK(answer.response.rejects->size() == 2);
  REQUIRE(answer.refusals.size() == 2);
  CHECK(answer.refusals[0] ==
        "receiver profile: SMTP profile member 'Adaptive-Parts': am-parts must be a list, not an "
        "atom");
  CHECK(answer.refusals[1] ==
        "receiver profile: the offer lists none of the parts the services need");
}

TEST_CASE("answer_offer leaves features that are not SMTP profiles to the caller") {
  const auto no = decode_as<NegotiationOffer>(
      "NO ({\"44:http://www.iana.org/assignments/opes/ocp/tls\"})\r\nSG: 3\r\n;\r\n");
  const OfferAnswer answer = answer_offer(no, NeedsByDirection{ServiceNeeds{}, ServiceNeeds{}});
  CHECK_FALSE(answer.response.feature);
  CHECK_FALSE(answer.response.rejects);
  CHECK(answer.response.sg_id == ServiceGroupId{3});
}

TEST_CASE("every profile the callout server builds passes the processor's checks") {
  const std::vector<AmPart> all = {AmPart::ip(),    AmPart::ehlo,   AmPart::helo, kMail,
                                   kRcpt,           AmPart::vrfy,   AmPart::expn, kRawdata,
                                   kAllHeaders,     kSingleHeaders, kBody,        kSections,
                                   part("VIPNAME"), part("DATA"),   part("QUIT")};
  std::mt19937 random(4037);
  const auto subset = [&] {
    std::vector<AmPart> parts;
    for (const AmPart& candidate : all) {
      if (random() % 3 == 0) parts.push_back(candidate);
    }
    return parts;
  };
  int accepted = 0;
  for (int round = 0; round < 2000; ++round) {
    const SmtpProfile offered = offer(subset(), subset());
    ServiceNeeds needs{subset(), subset(), {}, {}};
    if (random() % 2 == 0) needs.headers.names = {"From"};
    auto response = choose_profile(offered, needs);
    if (!response) continue;
    ++accepted;
    auto checked = check_response(offered, *response);
    REQUIRE_MESSAGE(
        checked, (checked ? "" : checked.error().describe() + " for " + feature_bytes(*response)));
  }
  CHECK(accepted > 500);
}

}  // namespace ocp::smtp::test
