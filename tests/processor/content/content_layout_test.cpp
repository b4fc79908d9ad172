#include "opes/processor/content_layout.hpp"

#include "fixtures.hpp"

namespace opes::processor::test {

TEST_CASE("a profile without content parts keeps the message whole") {
  const ContentLayout layout = layout_of({AmPart::mail, AmPart::rcpt});
  CHECK(layout.mode() == ContentMode::kept);
  CHECK_FALSE(layout.has_adaptive_content());
  CHECK(layout.role(AmPart::mail) == PartRole::not_sent);
  CHECK_FALSE(layout.header_part());
  CHECK_FALSE(layout.body_part());
  CHECK(ContentLayout().mode() == ContentMode::kept);
}

TEST_CASE("RAWDATA makes the whole message one part") {
  const ContentLayout layout = layout_of({AmPart::rawdata});
  CHECK(layout.mode() == ContentMode::rawdata);
  CHECK(layout.is_adaptive(AmPart::rawdata));
  CHECK(layout.has_adaptive_content());
}

TEST_CASE("informative ALLHEADERS with adaptive BODY splits the message") {
  const ContentLayout layout = layout_of({AmPart::body}, {AmPart::allheaders});
  CHECK(layout.mode() == ContentMode::split);
  CHECK(layout.role(AmPart::allheaders) == PartRole::informative);
  CHECK(layout.role(AmPart::body) == PartRole::adaptive);
  CHECK(layout.header_part() == AmPart(AmPart::allheaders));
  CHECK(layout.body_part() == AmPart(AmPart::body));
}

TEST_CASE("only informative content parts leave nothing to answer") {
  const ContentLayout layout = layout_of({AmPart::mail}, {AmPart::allheaders, AmPart::sections});
  CHECK(layout.mode() == ContentMode::split);
  CHECK_FALSE(layout.has_adaptive_content());
  CHECK(layout.body_part() == AmPart(AmPart::sections));
}

TEST_CASE("a part listed both adaptive and informative is adaptive") {
  const ContentLayout layout = layout_of({AmPart::body}, {AmPart::body});
  CHECK(layout.role(AmPart::body) == PartRole::adaptive);
}

TEST_CASE("smtp 3.2.1: mutually exclusive content parts are refused") {
  ocp::smtp::SmtpProfile profile;
  profile.adaptive_parts = {AmPart::rawdata};
  profile.informative_parts = {AmPart::body};
  auto rawdata_body = ContentLayout::from_profile(profile);
  REQUIRE_FALSE(rawdata_body);
  CHECK(rawdata_body.error().kind == ContentError::Kind::bad_layout);
  CHECK(rawdata_body.error().reason == "RAWDATA and BODY are mutually exclusive (smtp §3.2.1)");
  profile.adaptive_parts = {AmPart::allheaders, AmPart::singleheaders};
  profile.informative_parts = {};
  CHECK_FALSE(ContentLayout::from_profile(profile));
  profile.adaptive_parts = {AmPart::body, AmPart::sections};
  CHECK_FALSE(ContentLayout::from_profile(profile));
}

TEST_CASE("smtp 3.2.5: SINGLEHEADERS sends the fields the Header-List names, any case") {
  const ContentLayout subject = layout_of({AmPart::singleheaders}, {}, {"Subject"});
  CHECK(subject.sends_single_header("subject"));
  CHECK(subject.sends_single_header("SUBJECT"));
  CHECK_FALSE(subject.sends_single_header("From"));
  const ContentLayout all = layout_of({AmPart::singleheaders}, {}, {"*"});
  CHECK(all.sends_single_header("X-Anything"));
  const ContentLayout without_list = layout_of({AmPart::singleheaders});
  CHECK_FALSE(without_list.sends_single_header("Subject"));
  const ContentLayout not_listed = layout_of({AmPart::allheaders}, {}, {"*"});
  CHECK_FALSE(not_listed.sends_single_header("Subject"));
}

}  // namespace opes::processor::test
