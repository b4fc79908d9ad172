#include "ocp/smtp/dum_parameters.hpp"

#include <doctest/doctest.h>

#include "wire.hpp"

namespace ocp::smtp::test {

namespace {

DumParameters read_params(const DataUseMine& dum, const ReadOptions& options = {}) {
  auto parameters = read_dum_parameters(dum, options);
  REQUIRE_MESSAGE(parameters, (parameters ? "" : parameters.error().describe()));
  return *parameters;
}

ParameterError read_error(std::string_view bytes) {
  auto parameters = read_dum_parameters(decode_as<DataUseMine>(bytes));
  REQUIRE_FALSE(parameters);
  return parameters.error();
}

/// A DUM with these named parameters and an empty payload.
std::string dum_with(std::string_view named) {
  return "DUM 1 0\r\n" + std::string(named) + "\r\n0:\r\n;\r\n";
}

DataUseMine empty_dum(std::uint32_t xid, std::uint32_t offset) {
  DataUseMine dum;
  dum.xid = Xid{xid};
  dum.my_offset = offset;
  dum.payload = SharedBytes::copy_of("");
  return dum;
}

}  // namespace

TEST_CASE("Figure 10: the processor's DUM carries AM-Part RCPT and Allow (SMTP-Error)") {
  const auto dum = decode_as<DataUseMine>(vector_message("D-F10", 0), legacy_am_id());
  const auto parameters = read_params(dum);
  CHECK(parameters.am_part == AmPart(AmPart::rcpt));
  REQUIRE(parameters.allow);
  CHECK(parameters.allow->smtp_error);
  CHECK_FALSE(parameters.allow->advice);
  CHECK_FALSE(parameters.allow->add_header);
  CHECK_FALSE(parameters.smtp_error);
  CHECK(dum.payload.view() == "<paul@example.com>");
}

TEST_CASE("Figure 10: the callout server's DUM carries the SMTP reply 550 No such user here") {
  const auto dum = decode_as<DataUseMine>(vector_message("D-F10", 1), legacy_am_id());
  const auto parameters = read_params(dum);
  CHECK(parameters.am_part == AmPart(AmPart::rcpt));
  REQUIRE(parameters.smtp_error);
  CHECK(parameters.smtp_error->code == 550);
  CHECK(parameters.smtp_error->wire() == "550 No such user here\r\n");
  CHECK(dum.payload.empty());
}

TEST_CASE("Figure 11: Allow (SMTP-Error,Add-Header) and the callout server's Add-Header") {
  const auto processor =
      read_params(decode_as<DataUseMine>(vector_message("D-F11", 0), legacy_am_id()));
  REQUIRE(processor.allow);
  CHECK(processor.allow->smtp_error);
  CHECK(processor.allow->add_header);
  const auto dum = decode_as<DataUseMine>(vector_message("D-F11", 1), legacy_am_id());
  const auto server = read_params(dum);
  CHECK(server.am_part == AmPart(AmPart::rcpt));
  CHECK(server.add_header == std::vector<HeaderField>{{"X-Original-User", " paul@example.com"}});
  CHECK(dum.payload.view() == "<newuser@example.com>");
}

TEST_CASE("Figure 13 (fixed): MAIL with its SIZE parameter and Allow (SMTP-Error,Advice)") {
  const auto dum = decode_as<DataUseMine>(vector_message("D-F13-fixed", 0), legacy_am_id());
  const auto parameters = read_params(dum);
  CHECK(parameters.am_part == AmPart(AmPart::mail));
  REQUIRE(parameters.allow);
  CHECK(parameters.allow->smtp_error);
  CHECK(parameters.allow->advice);
  CHECK_FALSE(parameters.allow->add_header);
  CHECK(dum.payload.view() == "<paul@example.com> SIZE=256");
}

TEST_CASE("Figure 14: the extension part VIPNAME is read by name") {
  const auto dum = decode_as<DataUseMine>(vector_message("D-F14", 2), legacy_am_id());
  const auto parameters = read_params(dum);
  CHECK(parameters.am_part == AmPart::from_token("VIPNAME"));
  CHECK(dum.payload.view() == "\"John Doe\"");
}

TEST_CASE("Figure 15: AM-OPT reads as the processor's session meta information") {
  const auto dum = decode_as<DataUseMine>(vector_message("D-F15", 0));
  const auto parameters = read_params(dum);
  CHECK(parameters.am_part == AmPart(AmPart::mail));
  REQUIRE(parameters.am_opt);
  CHECK(*parameters.am_opt == std::vector<AmOption>{{"authtype", "cram-md5"}, {"authen", "true"}});
  CHECK_FALSE(parameters.allow);
}

TEST_CASE("Figure 8: every DUM carries its AM-Part and RAWDATA is split over two") {
  const char* expected[] = {"MAIL", "RCPT", "RAWDATA", "RAWDATA"};
  for (std::size_t i = 0; i < 4; ++i) {
    const auto parameters =
        read_params(decode_as<DataUseMine>(vector_message("D-F8", i), legacy_am_id()));
    REQUIRE(parameters.am_part);
    CHECK(parameters.am_part->token() == expected[i]);
  }
}

TEST_CASE("a DUM without profile parameters reads as all absent and other parameters are left alone") {
  const auto dum = decode_as<DataUseMine>(dum_with("X-Other: 1\r\n"));
  CHECK(read_params(dum) == DumParameters{});
  REQUIRE(dum.extensions.find("X-Other"));
}

TEST_CASE("A-21: AM-Part DATA is read as RAWDATA and RSET is refused") {
  CHECK(read_params(decode_as<DataUseMine>(dum_with("AM-Part: DATA\r\n"))).am_part ==
        AmPart(AmPart::rawdata));
  const auto error = read_error(dum_with("AM-Part: RSET\r\n"));
  CHECK(
      error.describe() ==
      "DUM: parameter 'AM-Part': 'RSET' is never an am-part (smtp §3.1 forbids DATA, RSET, QUIT)");
  CHECK(read_error(dum_with("AM-Part: (RCPT)\r\n")).parameter == "AM-Part");
}

TEST_CASE("smtp 3.3.3: SMTP-Error must be an error reply without final CRLF") {
  CHECK(read_error(dum_with("SMTP-Error: \"6:250 OK\"\r\n")).describe() ==
        "DUM: parameter 'SMTP-Error': reply code 250 is not an error (4yz or 5yz)");
  CHECK(read_error(dum_with("SMTP-Error: \"10:550 Gone\r\n\"\r\n")).reason ==
        "SMTP reply must not end with CRLF (smtp §3.3.3)");
  CHECK(read_error(dum_with("SMTP-Error: \"19:550-a\r\n551 b\r\n550 c\"\r\n")).reason ==
        "SMTP reply line 2: code 551 differs from 550");
  CHECK(read_error(dum_with("SMTP-Error: (550)\r\n")).reason == "must be an atom, not a list");
  CHECK(read_error(dum_with("SMTP-Error: Rejected\r\n")).parameter == "SMTP-Error");
}

TEST_CASE("smtp 3.3.3: a multi-line SMTP-Error keeps its internal CRLFs") {
  const auto parameters = read_params(
      decode_as<DataUseMine>(dum_with("SMTP-Error: \"27:550-5.1.1 No\r\n550 such user\"\r\n")));
  REQUIRE(parameters.smtp_error);
  CHECK(parameters.smtp_error->lines == std::vector<std::string>{"5.1.1 No", "such user"});
}

TEST_CASE("A-25: Advice is read when defined and remembered as sent when not") {
  CHECK(read_params(decode_as<DataUseMine>(dum_with("Advice: Quarantine\r\n"))).advice ==
        Advice::quarantine);
  const auto unknown = read_params(decode_as<DataUseMine>(dum_with("Advice: Spam-Folder\r\n")));
  CHECK_FALSE(unknown.advice);
  CHECK(unknown.unrecognised_advice == "Spam-Folder");
  CHECK(unknown.has_advice());
  CHECK(read_error(dum_with("Advice: {Discard}\r\n")).parameter == "Advice");
}

TEST_CASE("smtp 3.3.5: Add-Header must be RFC 2822 header fields without the final CRLF") {
  CHECK(read_error(dum_with("Add-Header: \"8:X-A: 1\r\n\"\r\n")).reason ==
        "header fields must not end with CRLF (smtp §3.3.5)");
  CHECK(read_error(dum_with("Add-Header: \"11:no-colon-at\"\r\n")).reason ==
        "header field 1: has no colon");
  CHECK(read_error(dum_with("Add-Header: (X-A)\r\n")).parameter == "Add-Header");
}

TEST_CASE("A-26: one Add-Header carries several fields") {
  const auto parameters = read_params(
      decode_as<DataUseMine>(dum_with("Add-Header: \"31:X-Spam-Score: 7\r\nX-Spam-Flag: Y\"\r\n")));
  REQUIRE(parameters.add_header.size() == 2);
  CHECK(parameters.add_header[1].text() == "X-Spam-Flag: Y");
}

TEST_CASE("Allow and AM-OPT of the wrong type name the parameter") {
  CHECK(read_error(dum_with("Allow: SMTP-Error\r\n")).describe() ==
        "DUM: parameter 'Allow': supported-params must be a list, not an atom");
  CHECK(read_error(dum_with("AM-OPT: ({authtype})\r\n")).describe() ==
        "DUM: parameter 'AM-OPT': AM-OPT item 1: must be {key value}");
}

TEST_CASE("Figure 10 is written back byte for byte from typed parameters") {
  DataUseMine processor = empty_dum(72, 0);
  processor.legacy_am_id = 1;
  processor.kept = Kept{0, std::nullopt};
  processor.payload = SharedBytes::copy_of("<paul@example.com>");
  DumParameters offered;
  offered.am_part = AmPart::rcpt;
  offered.allow = SupportedParams{true, false, false, {}};
  write_dum_parameters(offered, processor);
  CHECK(encoded(processor) == vector_message("D-F10", 0));

  DataUseMine server = empty_dum(72, 0);
  server.legacy_am_id = 1;
  DumParameters reply;
  reply.am_part = AmPart::rcpt;
  reply.smtp_error = *parse_reply("550 No such user here");
  write_dum_parameters(reply, server);
  CHECK(encoded(server) == vector_message("D-F10", 1));
}

TEST_CASE("Figures 11, 13 (fixed), 14 and 15 re-encode byte for byte after a typed round trip") {
  const std::pair<std::string_view, std::size_t> figures[] = {
      {"D-F11", 0}, {"D-F11", 1}, {"D-F13-fixed", 0}, {"D-F14", 2}, {"D-F15", 0}};
  for (const auto& [id, index] : figures) {
    CAPTURE(id);
    DataUseMine dum = decode_as<DataUseMine>(vector_message(id, index), legacy_am_id());
    const DumParameters parameters = read_params(dum);
    dum.extensions.named.clear();
    write_dum_parameters(parameters, dum);
    CHECK(encoded(dum) == vector_message(id, index));
  }
}

TEST_CASE("writing strict RFC 4037 DUMs: profile parameters first, in the figures' order") {
  DataUseMine dum = empty_dum(72, 0);
  dum.extensions.named.push_back({"X-Other", Value::atom("1"), {}});
  dum.extensions.named.push_back({"AM-Part", Value::atom("MAIL"), {}});
  DumParameters parameters;
  parameters.am_part = AmPart::rcpt;
  parameters.smtp_error = *parse_reply("550-5.1.1 No\r\n550 such user");
  parameters.advice = Advice::discard;
  parameters.unrecognised_advice = "never-written";
  parameters.add_header = {{"X-A", " 1"}, {"X-B", " 2"}};
  parameters.am_opt = std::vector<AmOption>{{"authen", "true"}};
  write_dum_parameters(parameters, dum);
  CHECK(encoded(dum) ==
        "DUM 72 0\r\n"
        "AM-Part: RCPT\r\n"
        "SMTP-Error: \"27:550-5.1.1 No\r\n550 such user\"\r\n"
        "Advice: Discard\r\n"
        "Add-Header: \"14:X-A: 1\r\nX-B: 2\"\r\n"
        "AM-OPT: ({authen true})\r\n"
        "X-Other: 1\r\n"
        "\r\n"
        "0:\r\n"
        ";\r\n");
}

}  // namespace ocp::smtp::test
