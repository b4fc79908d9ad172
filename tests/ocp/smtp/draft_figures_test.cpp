// The draft's examples end to end: Figures 4, 5, 12 and 14 negotiated from
// both sides, and the DUM exchanges of Figures 10, 11, 13 (fixed), 14 and 15
// run through the parameter rules and the part order.

#include <doctest/doctest.h>

#include "ocp/smtp/allow_record.hpp"
#include "ocp/smtp/callout_server_negotiation.hpp"
#include "ocp/smtp/dum_parameters.hpp"
#include "ocp/smtp/parameter_rules.hpp"
#include "ocp/smtp/part_sequence.hpp"
#include "ocp/smtp/processor_negotiation.hpp"
#include "wire.hpp"

namespace ocp::smtp::test {

namespace {

struct Figure {
  NegotiationOffer offer;
  NegotiationResponse response;
};

Figure figure(std::string_view id) {
  return {decode_as<NegotiationOffer>(vector_message(id, 0)),
          decode_as<NegotiationResponse>(vector_message(id, 1))};
}

/// The processor's check of the figure's own NR.
SmtpProfile processor_accepts(const Figure& shown, const ReadOptions& options = {}) {
  REQUIRE(shown.response.feature);
  auto checked = check_response(shown.offer.features, *shown.response.feature, options);
  REQUIRE_MESSAGE(checked, (checked ? "" : checked.error().describe()));
  return *checked;
}

/// The callout server's answer to the figure's NO, checked by the processor.
OfferAnswer server_answers(const Figure& shown, const ServiceNeeds& needs) {
  NeedsByDirection by_direction;
  by_direction.receiver = needs;
  OfferAnswer answer = answer_offer(shown.offer, by_direction);
  REQUIRE(answer.accepted);
  REQUIRE(answer.response.feature);
  auto checked = check_response(shown.offer.features, *answer.response.feature);
  REQUIRE_MESSAGE(checked, (checked ? "" : checked.error().describe()));
  CHECK(*checked == *answer.accepted);
  // What we send parses strictly and decodes back to the same NR.
  CHECK(decode_as<NegotiationResponse>(encoded(answer.response)) == answer.response);
  return answer;
}

const AmPart kVipname = AmPart::from_token("VIPNAME");

}  // namespace

TEST_CASE(
    "Figure 4: the processor accepts the figure's NR (DATA read as RAWDATA, -Commands as -Parts)") {
  const SmtpProfile profile = processor_accepts(figure("D-F4"));
  CHECK(profile.adaptive_parts == std::vector<AmPart>{AmPart::rawdata});
  CHECK(profile.informative_parts == std::vector<AmPart>{AmPart::mail, AmPart::rcpt});
}

TEST_CASE("Figure 4: strictly, the figure's NR chooses the forbidden part DATA") {
  ReadOptions strict;
  strict.data_as_rawdata = false;
  const Figure shown = figure("D-F4");
  auto checked = check_response(shown.offer.features, *shown.response.feature, strict);
  REQUIRE_FALSE(checked);
  CHECK(checked.error().rule == NegotiationRule::forbidden_part);
  CHECK(checked.error().describe() == "smtp §3.1: DATA is never an application message part");
}

TEST_CASE(
    "Figure 4: the callout server answers with -Parts and RAWDATA, meaning what the figure means") {
  const Figure shown = figure("D-F4");
  const OfferAnswer answer =
      server_answers(shown, ServiceNeeds{{AmPart::rawdata}, {AmPart::mail, AmPart::rcpt}, {}, {}});
  CHECK(encoded(answer.response) ==
        "NR {\"38:http://iana.org/opes/ocp/SMTP/receiver\"\r\n"
        "Adaptive-Parts: (RAWDATA)\r\n"
        "Informative-Parts: (MAIL,RCPT)\r\n"
        "}\r\nSG: 25\r\n;\r\n");
  CHECK(*answer.accepted == processor_accepts(shown));
}

TEST_CASE("Figure 5: the processor accepts the figure's NR with its Header-List") {
  const SmtpProfile profile = processor_accepts(figure("D-F5"));
  CHECK(profile.adaptive_parts == std::vector<AmPart>{AmPart::mail, AmPart::rcpt});
  CHECK(profile.informative_parts ==
        std::vector<AmPart>{AmPart::ip(), AmPart::ehlo, AmPart::singleheaders});
  CHECK(profile.header_list == HeaderList{{"From", "To", "Reply-To", "Received"}});
}

TEST_CASE("Figure 5: the callout server takes everything offered and asks for four headers") {
  const Figure shown = figure("D-F5");
  const ServiceNeeds needs{{AmPart::mail, AmPart::rcpt},
                           {AmPart::ip(), AmPart::ehlo, AmPart::singleheaders},
                           {{"From", "To", "Reply-To", "Received"}},
                           {}};
  const OfferAnswer answer = server_answers(shown, needs);
  CHECK(encoded(answer.response) ==
        "NR {\"38:http://iana.org/opes/ocp/SMTP/receiver\"\r\n"
        "Adaptive-Parts: (MAIL,RCPT)\r\n"
        "Informative-Parts: (IP,EHLO,SINGLEHEADERS)\r\n"
        "Header-List: (From,To,Reply-To,Received)\r\n"
        "}\r\nSG: 25\r\n;\r\n");
  CHECK(*answer.accepted == processor_accepts(shown));
}

TEST_CASE("Figure 12: the processor accepts the figure's NR with Extensions (AUTH,SIZE)") {
  const SmtpProfile profile = processor_accepts(figure("D-F12"));
  CHECK(profile.extensions == EhloKeywords{{"AUTH", "SIZE"}});
  CHECK(profile.adaptive_parts == std::vector<AmPart>{AmPart::rawdata});
}

TEST_CASE("Figure 12: the callout server lists the EHLO keywords its services understand") {
  const Figure shown = figure("D-F12");
  const OfferAnswer answer = server_answers(
      shown, ServiceNeeds{{AmPart::rawdata}, {AmPart::mail, AmPart::rcpt}, {}, {{"AUTH", "SIZE"}}});
  CHECK(encoded(answer.response) ==
        "NR {\"38:http://iana.org/opes/ocp/SMTP/receiver\"\r\n"
        "Adaptive-Parts: (RAWDATA)\r\n"
        "Informative-Parts: (MAIL,RCPT)\r\n"
        "Extensions: (AUTH,SIZE)\r\n"
        "}\r\nSG: 25\r\n;\r\n");
  CHECK(*answer.accepted == processor_accepts(shown));
}

TEST_CASE("Figure 14: the processor accepts the extension part VIPNAME it offered") {
  const SmtpProfile profile = processor_accepts(figure("D-F14"));
  CHECK(profile.informative_parts == std::vector<AmPart>{AmPart::mail, AmPart::rcpt, kVipname});
  CHECK(profile.extensions.contains("vipext"));
}

TEST_CASE("Figure 14: the callout server negotiates VIPNAME, and the VIPNAME DUM then fits") {
  const Figure shown = figure("D-F14");
  const OfferAnswer answer =
      server_answers(shown, ServiceNeeds{{AmPart::rawdata},
                                         {AmPart::mail, AmPart::rcpt, kVipname},
                                         {},
                                         {{"AUTH", "SIZE", "VIPEXT"}}});
  CHECK(encoded(answer.response) ==
        "NR {\"38:http://iana.org/opes/ocp/SMTP/receiver\"\r\n"
        "Adaptive-Parts: (RAWDATA)\r\n"
        "Informative-Parts: (MAIL,RCPT,VIPNAME)\r\n"
        "Extensions: (AUTH,SIZE,VIPEXT)\r\n"
        "}\r\nSG: 25\r\n;\r\n");
  CHECK(*answer.accepted == processor_accepts(shown));

  const auto dum = decode_as<DataUseMine>(vector_message("D-F14", 2), legacy_am_id());
  auto parameters = read_dum_parameters(dum);
  REQUIRE(parameters);
  CHECK(check_processor_dum(*parameters));
  PartSequence original(*answer.accepted, Dataflow::original);
  CHECK(original.accept_received(*parameters->am_part));
  PartSequence adapted(*answer.accepted, Dataflow::adapted);
  CHECK(adapted.accept_received(*parameters->am_part).error().rule ==
        PartSequenceRule::not_negotiated);
}

TEST_CASE("Figures 10 and 11: the callout server's answers are allowed by the processor's Allow") {
  for (std::string_view id : {"D-F10", "D-F11"}) {
    CAPTURE(id);
    const auto sent = decode_as<DataUseMine>(vector_message(id, 0), legacy_am_id());
    auto offered = read_dum_parameters(sent);
    REQUIRE(offered);
    REQUIRE(check_processor_dum(*offered));
    AllowRecord record;
    record.record(*offered->am_part, sent.my_offset,
                  static_cast<std::uint32_t>(sent.payload.size()),
                  offered->allow.value_or(SupportedParams::none()));

    auto answered =
        read_dum_parameters(decode_as<DataUseMine>(vector_message(id, 1), legacy_am_id()));
    REQUIRE(answered);
    auto checked = check_callout_server_dum(*answered, record.for_part(*answered->am_part));
    CHECK_MESSAGE(checked, (checked ? "" : checked.error().describe()));
  }
}

TEST_CASE("Figure 10's SMTP-Error would break the rules had Allow not listed it") {
  auto answered =
      read_dum_parameters(decode_as<DataUseMine>(vector_message("D-F10", 1), legacy_am_id()));
  REQUIRE(answered);
  auto checked = check_callout_server_dum(*answered, SupportedParams::none());
  REQUIRE_FALSE(checked);
  CHECK(checked.error().rule == ParameterRule::smtp_error_not_allowed);
}

TEST_CASE("Figures 13 (fixed) and 15: the processor's MAIL DUMs keep the rules") {
  for (std::string_view id : {"D-F13-fixed", "D-F15"}) {
    CAPTURE(id);
    auto parameters =
        read_dum_parameters(decode_as<DataUseMine>(vector_message(id, 0), legacy_am_id()));
    REQUIRE(parameters);
    CHECK(check_processor_dum(*parameters));
    CHECK(parameters->am_part == AmPart(AmPart::mail));
  }
}

TEST_CASE("Figure 13 as printed is not even an OCP message") {
  CHECK_FALSE(parse_message(vector_message("D-F13-as-printed", 0)));
}

}  // namespace ocp::smtp::test
