#include "ocp/smtp/allow_record.hpp"

#include <doctest/doctest.h>

#include "ocp/smtp/dum_parameters.hpp"
#include "wire.hpp"

namespace ocp::smtp::test {

namespace {

SupportedParams allowing(bool smtp_error, bool advice, bool add_header) {
  return SupportedParams{smtp_error, advice, add_header, {}};
}

}  // namespace

TEST_CASE("smtp 3.3.2: the callout server's DUM answers the processor's DUMs of the same part") {
  // Figure 11's processor DUM, recorded as the processor sent it.
  const auto dum = decode_as<DataUseMine>(vector_message("D-F11", 0), legacy_am_id());
  auto parameters = read_dum_parameters(dum);
  REQUIRE(parameters);
  AllowRecord record;
  record.record(*parameters->am_part, dum.my_offset, static_cast<std::uint32_t>(dum.payload.size()),
                parameters->allow.value_or(SupportedParams::none()));
  CHECK(record.for_part(AmPart::rcpt) == allowing(true, false, true));
  CHECK(record.for_part(AmPart::mail) == SupportedParams::none());
}

TEST_CASE("a part split over DUMs allows what any of its DUMs allowed") {
  AllowRecord record;
  record.record(AmPart::rawdata, 0, 49, allowing(false, false, true));
  record.record(AmPart::rawdata, 49, 41, SupportedParams::none());
  record.record(AmPart::rawdata, 90, 10, allowing(false, true, false));
  CHECK(record.for_part(AmPart::rawdata) == allowing(false, true, true));
}

TEST_CASE("smtp 3.3.2: a DUY answers the DUMs whose original data it reuses") {
  AllowRecord record;
  record.record(AmPart::mail, 0, 19, allowing(true, false, false));
  record.record(AmPart::rcpt, 19, 18, allowing(true, false, true));
  record.record(AmPart::rawdata, 37, 49, allowing(false, true, false));
  CHECK(record.for_original_range(0, 19) == allowing(true, false, false));
  CHECK(record.for_original_range(18, 2) == allowing(true, false, true));
  CHECK(record.for_original_range(37, 100) == allowing(false, true, false));
  CHECK(record.for_original_range(86, 5) == SupportedParams::none());
  CHECK(record.for_original_range(19, 0) == SupportedParams::none());
}

}  // namespace ocp::smtp::test
