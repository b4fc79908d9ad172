#include "ocp/smtp/part_sequence.hpp"

#include <doctest/doctest.h>

#include "ocp/smtp/dum_parameters.hpp"
#include "wire.hpp"

namespace ocp::smtp::test {

namespace {

/// Everything offered as the processor of Figure 8 would need, and more.
SmtpProfile negotiated() {
  SmtpProfile profile;
  profile.adaptive_parts = {AmPart::mail, AmPart::rcpt, AmPart::rawdata, AmPart::body,
                            AmPart::sections};
  profile.informative_parts = {AmPart::ip(),
                               AmPart::ehlo,
                               AmPart::helo,
                               AmPart::vrfy,
                               AmPart::allheaders,
                               AmPart::singleheaders,
                               AmPart::from_token("VIPNAME")};
  return profile;
}

PartSequenceRule rule_of(const Expected<void, PartSequenceViolation>& accepted) {
  REQUIRE_FALSE(accepted);
  return accepted.error().rule;
}

}  // namespace

TEST_CASE("Figure 8's original dataflow is in order: MAIL, RCPT, RAWDATA split in two") {
  PartSequence sequence(negotiated(), Dataflow::original);
  for (std::size_t i = 0; i < 4; ++i) {
    auto parameters =
        read_dum_parameters(decode_as<DataUseMine>(vector_message("D-F8", i), legacy_am_id()));
    REQUIRE(parameters);
    REQUIRE(parameters->am_part);
    auto accepted = sequence.accept_received(*parameters->am_part);
    CHECK_MESSAGE(accepted, (accepted ? "" : accepted.error().describe()));
  }
  CHECK(sequence.parts() == std::vector<AmPart>{AmPart::mail, AmPart::rcpt, AmPart::rawdata});
}

TEST_CASE("a full transaction: IP, EHLO, MAIL, several RCPT, headers, sections") {
  PartSequence sequence(negotiated(), Dataflow::original);
  CHECK(sequence.accept(AmPart::ip(), false));
  CHECK(sequence.accept(AmPart::ehlo, false));
  CHECK(sequence.accept(AmPart::mail, false));
  CHECK(sequence.accept(AmPart::rcpt, false));
  CHECK(sequence.accept(AmPart::rcpt, false));
  CHECK(sequence.accept(AmPart::singleheaders, false));
  CHECK(sequence.accept(AmPart::singleheaders, false));
  CHECK(sequence.accept(AmPart::sections, false));
  CHECK(sequence.accept(AmPart::sections, true));
  CHECK(sequence.accept(AmPart::sections, false));
  CHECK(sequence.seen(AmPart::singleheaders));
  CHECK_FALSE(sequence.seen(AmPart::body));
}

TEST_CASE("smtp 3.2.1: parts out of SMTP order are reported") {
  PartSequence sequence(negotiated(), Dataflow::original);
  REQUIRE(sequence.accept(AmPart::rcpt, false));
  auto mail = sequence.accept(AmPart::mail, false);
  CHECK(rule_of(mail) == PartSequenceRule::out_of_order);
  CHECK(mail.error().describe() ==
        "smtp §3.2.1: MAIL after RCPT is out of SMTP order (RFC 2821 §4.1.4)");
  REQUIRE(sequence.accept(AmPart::body, false));
  CHECK(rule_of(sequence.accept(AmPart::allheaders, false)) == PartSequenceRule::out_of_order);
  CHECK(rule_of(sequence.accept(AmPart::ehlo, false)) == PartSequenceRule::out_of_order);
}

TEST_CASE("smtp 3.2.1: HELO after EHLO is out of order, and MAIL comes once") {
  PartSequence sequence(negotiated(), Dataflow::original);
  REQUIRE(sequence.accept(AmPart::ehlo, false));
  CHECK(rule_of(sequence.accept(AmPart::helo, false)) == PartSequenceRule::out_of_order);
  REQUIRE(sequence.accept(AmPart::mail, false));
  auto again = sequence.accept(AmPart::mail, false);
  CHECK(rule_of(again) == PartSequenceRule::repeated_part);
  CHECK(again.error().describe() ==
        "smtp §3.2.1: MAIL occurs once per transaction but comes again");
}

TEST_CASE("VRFY and extension commands may come anywhere without breaking the order") {
  PartSequence sequence(negotiated(), Dataflow::original);
  CHECK(sequence.accept(AmPart::mail, false));
  CHECK(sequence.accept(AmPart::vrfy, false));
  CHECK(sequence.accept(AmPart::rcpt, false));
  CHECK(sequence.accept(AmPart::from_token("VIPNAME"), false));
  CHECK(sequence.accept(AmPart::rcpt, false));
  CHECK(sequence.accept(AmPart::vrfy, false));
  CHECK(sequence.accept(AmPart::rawdata, false));
}

TEST_CASE("smtp 3.3.1: a part that must fit in one DUM is not continued") {
  PartSequence sequence(negotiated(), Dataflow::original);
  REQUIRE(sequence.accept(AmPart::rcpt, false));
  auto split = sequence.accept(AmPart::rcpt, true);
  CHECK(rule_of(split) == PartSequenceRule::split_part);
  CHECK(split.error().describe() == "smtp §3.3.1: RCPT must be sent in a single DUM");
  REQUIRE(sequence.accept(AmPart::singleheaders, false));
  CHECK(rule_of(sequence.accept(AmPart::singleheaders, true)) == PartSequenceRule::split_part);
}

TEST_CASE("smtp 3.3.1: RAWDATA, ALLHEADERS, BODY and SECTIONS may span DUMs") {
  PartSequence whole(negotiated(), Dataflow::original);
  CHECK(whole.accept(AmPart::rawdata, false));
  CHECK(whole.accept(AmPart::rawdata, true));
  CHECK(whole.accept(AmPart::rawdata, true));
  PartSequence split(negotiated(), Dataflow::original);
  CHECK(split.accept(AmPart::allheaders, false));
  CHECK(split.accept(AmPart::allheaders, true));
  CHECK(split.accept(AmPart::body, false));
  CHECK(split.accept(AmPart::body, true));
}

TEST_CASE("a continuation must continue the previous DUM's part") {
  PartSequence sequence(negotiated(), Dataflow::original);
  auto first = sequence.accept(AmPart::rawdata, true);
  CHECK(rule_of(first) == PartSequenceRule::continues_other_part);
  REQUIRE(sequence.accept(AmPart::allheaders, false));
  auto other = sequence.accept(AmPart::body, true);
  CHECK(rule_of(other) == PartSequenceRule::continues_other_part);
  CHECK(other.error().describe() == "smtp §3.3.1: a DUM continuing ALLHEADERS carries BODY");
}

TEST_CASE("RAWDATA given twice is two messages in one transaction") {
  PartSequence sequence(negotiated(), Dataflow::original);
  REQUIRE(sequence.accept(AmPart::rawdata, false));
  CHECK(rule_of(sequence.accept(AmPart::rawdata, false)) == PartSequenceRule::repeated_part);
}

TEST_CASE("smtp 3.2.1: mutually exclusive parts in one transaction are reported") {
  PartSequence sequence(negotiated(), Dataflow::original);
  REQUIRE(sequence.accept(AmPart::rawdata, false));
  auto body = sequence.accept(AmPart::body, false);
  CHECK(rule_of(body) == PartSequenceRule::mutually_exclusive);
  CHECK(body.error().describe() ==
        "smtp §3.2.1: BODY and RAWDATA are mutually exclusive in one transaction");
  PartSequence headers(negotiated(), Dataflow::original);
  REQUIRE(headers.accept(AmPart::allheaders, false));
  CHECK(rule_of(headers.accept(AmPart::singleheaders, false)) ==
        PartSequenceRule::mutually_exclusive);
  PartSequence body_first(negotiated(), Dataflow::original);
  REQUIRE(body_first.accept(AmPart::body, false));
  CHECK(rule_of(body_first.accept(AmPart::sections, false)) ==
        PartSequenceRule::mutually_exclusive);
}

TEST_CASE("smtp 3.2.3 and 3.2.4: a part not negotiated is reported") {
  PartSequence sequence(negotiated(), Dataflow::original);
  auto expn = sequence.accept(AmPart::expn, false);
  CHECK(rule_of(expn) == PartSequenceRule::not_negotiated);
  CHECK(expn.error().describe() == "smtp §3.2.3/§3.2.4: EXPN was not negotiated for this dataflow");
  CHECK(rule_of(sequence.accept(AmPart::from_token("X-OTHER"), false)) ==
        PartSequenceRule::not_negotiated);
}

TEST_CASE("A-28: the adapted dataflow carries adaptive parts only") {
  PartSequence adapted(negotiated(), Dataflow::adapted);
  CHECK(adapted.accept(AmPart::mail, false));
  CHECK(adapted.accept(AmPart::rcpt, false));
  CHECK(rule_of(adapted.accept(AmPart::allheaders, false)) == PartSequenceRule::not_negotiated);
  CHECK(adapted.accept(AmPart::body, false));
  PartSequence original(negotiated(), Dataflow::original);
  CHECK(original.accept(AmPart::allheaders, false));
}

TEST_CASE("a violation records nothing: the sequence goes on from where it was") {
  PartSequence sequence(negotiated(), Dataflow::original);
  REQUIRE(sequence.accept(AmPart::rcpt, false));
  CHECK_FALSE(sequence.accept(AmPart::mail, false));
  CHECK_FALSE(sequence.seen(AmPart::mail));
  CHECK(sequence.accept(AmPart::rcpt, false));
}

TEST_CASE(
    "a receiver infers continuations: same spanning part continues, anything else starts anew") {
  PartSequence sequence(negotiated(), Dataflow::original);
  CHECK(sequence.accept_received(AmPart::rcpt));
  CHECK(sequence.accept_received(AmPart::rcpt));
  CHECK(sequence.accept_received(AmPart::allheaders));
  CHECK(sequence.accept_received(AmPart::allheaders));
  CHECK(sequence.accept_received(AmPart::sections));
  CHECK(sequence.accept_received(AmPart::sections));
  CHECK(rule_of(sequence.accept_received(AmPart::mail)) == PartSequenceRule::out_of_order);
}

}  // namespace ocp::smtp::test
