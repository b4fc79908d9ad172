// One test per decision in docs/ocp-conformance.md that touches the codec,
// named after the digest's A-n item it settles.

#include <doctest/doctest.h>

#include "ocp/catalog.hpp"
#include "ocp/serializer.hpp"
#include "support/parsing.hpp"
#include "support/vectors.hpp"

namespace ocp::test {

namespace {

Message parse_one(std::string_view bytes, const ParseOptions& options = {}) {
  auto parsed = parse_message(bytes, options);
  REQUIRE_MESSAGE(parsed, (parsed ? "" : parsed.error().describe()));
  return *parsed;
}

template <class T>
T decode_as(std::string_view bytes, const DecodeOptions& options = {}) {
  auto decoded = decode(parse_one(bytes), options);
  REQUIRE_MESSAGE(decoded, (decoded ? "" : decoded.error().describe()));
  REQUIRE(std::holds_alternative<T>(*decoded));
  return std::get<T>(*decoded);
}

}  // namespace

TEST_CASE("A-1: a message rendered as RFC prose prints it (the terminator on the named parameter line) is invalid") {
  auto parsed = parse_message("NO ()\r\nSG: 5;\r\n");
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().offset == 12);
}

TEST_CASE("A-2: DUM 72 1 0 reads strictly as xid 72, my-offset 1, and an ignored extra value") {
  const std::string bytes = conformance_vector("D-F8").messages[0].bytes;
  const auto strict = decode_as<DataUseMine>(bytes);
  CHECK(strict.xid == Xid{72});
  CHECK(strict.my_offset == 1);
  CHECK_FALSE(strict.legacy_am_id);
  REQUIRE(strict.extensions.anonymous.size() == 1);
  CHECK(strict.extensions.anonymous[0] == Value::atom("0"));
}

TEST_CASE("A-2: with legacy-am-id, D-F8 reads as xid, am-id, offset with contiguous offsets") {
  DecodeOptions legacy;
  legacy.legacy_am_id = true;
  const auto& vector = conformance_vector("D-F8");
  const std::uint32_t offsets[] = {0, 19, 37, 86};
  for (std::size_t i = 0; i < 4; ++i) {
    const auto dum = decode_as<DataUseMine>(vector.messages[i].bytes, legacy);
    CHECK(dum.xid == Xid{72});
    CHECK(dum.legacy_am_id == 1u);
    CHECK(dum.my_offset == offsets[i]);
    CHECK(dum.extensions.anonymous.empty());
    CHECK(serialize(encode(dum)) == vector.messages[i].bytes);
  }
}

TEST_CASE("A-2: legacy-am-id leaves RFC 4037 two-value DUMs (Figure 15) alone") {
  DecodeOptions legacy;
  legacy.legacy_am_id = true;
  const auto dum = decode_as<DataUseMine>(conformance_vector("D-F15").messages[0].bytes, legacy);
  CHECK(dum.xid == Xid{33});
  CHECK(dum.my_offset == 27);
  CHECK_FALSE(dum.legacy_am_id);
  CHECK(dum.payload.size() == 53);
}

TEST_CASE("A-2: legacy-am-id reads AME 10 1 {200 OK} as xid, am-id, result") {
  DecodeOptions legacy;
  legacy.legacy_am_id = true;
  const auto ame = decode_as<ApplicationMessageEnd>("AME 10 1 {200 OK};\r\n", legacy);
  CHECK(ame.legacy_am_id == 1u);
  REQUIRE(ame.result);
  CHECK(ame.result->code == 200);
  // Strictly, `1` in the result position is a type error (§11.8).
  auto strict = decode(parse_one("AME 10 1 {200 OK};\r\n"));
  REQUIRE_FALSE(strict);
  CHECK(strict.error().parameter == "result");
}

TEST_CASE("A-3: Kept is read in all three forms peers send") {
  const auto two_values = decode_as<DataUseMine>("DUM 1 0\r\nKept: 0 19\r\n\r\n0:\r\n;\r\n");
  CHECK(two_values.kept == Kept{0, 19u});
  const auto structure = decode_as<DataUseMine>("DUM 1 0\r\nKept: {0 19}\r\n\r\n0:\r\n;\r\n");
  CHECK(structure.kept == Kept{0, 19u});
  const auto offset_only = decode_as<DataUseMine>("DUM 1 0\r\nKept: 37\r\n\r\n0:\r\n;\r\n");
  CHECK(offset_only.kept == Kept{37, std::nullopt});
}

TEST_CASE("A-3: Kept is sent as RFC 4037 declares it, offset then size") {
  DataUseMine dum;
  dum.xid = Xid{1};
  dum.kept = Kept{0, 19u};
  dum.payload = SharedBytes::copy_of("x");
  CHECK(serialize(encode(dum)) == "DUM 1 0\r\nKept: 0 19\r\n\r\n1:x\r\n;\r\n");
}

TEST_CASE("A-3: only Kept may carry two values, strict reading refuses it too") {
  auto other = parse_message("DUM 1 0\r\nModp: 1 2\r\n\r\n0:\r\n;\r\n");
  REQUIRE_FALSE(other);
  CHECK(other.error().offset == 16);
  ParseOptions strict;
  strict.multi_value_kept = false;
  auto kept = parse_message("DUM 1 0\r\nKept: 0 19\r\n\r\n0:\r\n;\r\n", strict);
  REQUIRE_FALSE(kept);
  CHECK(kept.error().offset == 16);
}

TEST_CASE("A-3: Kept with three values or a non-number is a catalog error naming Kept") {
  auto three = decode(parse_one("DUM 1 0\r\nKept: {0 1 2}\r\n\r\n0:\r\n;\r\n"));
  REQUIRE_FALSE(three);
  CHECK(three.error().parameter == "Kept");
  auto word = decode(parse_one("DUM 1 0\r\nKept: zero\r\n\r\n0:\r\n;\r\n"));
  REQUIRE_FALSE(word);
  CHECK(word.error().describe() == "DUM: parameter 'Kept': org-offset: 'zero' is not a decimal number");
}

TEST_CASE("A-4: the RFC's wrong length prefixes are rejected, the corrected ones parse") {
  for (const char* id : {"C-3.3-2-fixed", "C-10.13-fixed", "C-6.2-3-fixed"}) {
    CAPTURE(id);
    CHECK_FALSE(parse_stream(conformance_vector(id).stream()).error);
  }
  for (const char* id : {"C-3.3-2-as-printed", "C-6.2-3-as-printed-volatile"}) {
    CAPTURE(id);
    const Parsed parsed = parse_stream(conformance_vector(id).stream());
    REQUIRE(parsed.error);
    CHECK(parsed.error->reason == "closing quote expected after quoted data");
  }
}

TEST_CASE("A-5: spaces inside braces are invalid by default and readable when allowed") {
  auto strict = parse_message("TE 7 { 200 OK };\r\n");
  REQUIRE_FALSE(strict);
  CHECK(strict.error().offset == 6);
  ParseOptions lenient;
  lenient.spaces_inside_braces = true;
  const Message message = parse_one("TE 7 { 200 OK };\r\n", lenient);
  CHECK(serialize(message) == "TE 7 {200 OK};\r\n");
  // Only one space, and only next to a brace.
  CHECK_FALSE(parse_message("TE 7 {  200 OK};\r\n", lenient));
  CHECK_FALSE(parse_message("TE 7 {200  OK};\r\n", lenient));
}

TEST_CASE("A-6: DWM accepts Size-request and the RFC example's Size-Request, sends Size-request") {
  const auto declared = decode_as<WantMoreData>("DWM 1\r\nSize-request: 16384\r\n;\r\n");
  CHECK(declared.size_request == 16384u);
  const auto example = decode_as<WantMoreData>(conformance_vector("C-3.3-4").messages[0].bytes);
  CHECK(example.xid == Xid{1});
  CHECK(example.size_request == 16384u);
  CHECK(example.extensions.anonymous.size() == 1);  // the example's extra `3`
  CHECK(example.extensions.find("X-Need-Info"));
  WantMoreData sent;
  sent.xid = Xid{1};
  sent.size_request = 100;
  CHECK(serialize(encode(sent)) == "DWM 1\r\nSize-request: 100\r\n;\r\n");
}

TEST_CASE("A-6: Org-Data is matched exactly, Org-data is an unknown parameter") {
  const auto exact = decode_as<ProgressAnswer>("PA 3\r\nOrg-Data: 10\r\n;\r\n");
  CHECK(exact.org_data == 10u);
  const auto variant = decode_as<ProgressAnswer>("PA 3\r\nOrg-data: 10\r\n;\r\n");
  CHECK_FALSE(variant.org_data);
  CHECK(variant.extensions.find("Org-data"));
}

TEST_CASE("A-7: CSE is an unknown message, not a CE") {
  auto decoded = decode(parse_one("CSE {400 \"6:reason\"};\r\n"));
  REQUIRE(decoded);
  REQUIRE(std::holds_alternative<UnknownMessage>(*decoded));
  CHECK(std::get<UnknownMessage>(*decoded).message.name == "CSE");
}

TEST_CASE("A-8: the catalog records who may send each message, for the engine to enforce") {
  CHECK(TransactionStart::kSentBy == Sender::processor);
  CHECK(StopSendingData::kSentBy == Sender::processor);
  CHECK(DataUseYours::kSentBy == Sender::callout_server);
  CHECK(DataPreservationInterest::kSentBy == Sender::callout_server);
  CHECK(WantStopReceivingData::kSentBy == Sender::callout_server);
  CHECK(WantStopSendingData::kSentBy == Sender::callout_server);
  CHECK(DataUseMine::kSentBy == Sender::either);
  // A wrong-side message still decodes: ignoring it is the engine's decision.
  CHECK(decode_as<DataUseYours>("DUY 1 0 10;\r\n").org_size == 10);
}

TEST_CASE("A-19: the draft's -Commands feature members are kept verbatim for the profile to read") {
  const auto offer = decode_as<NegotiationOffer>(conformance_vector("D-F4").messages[0].bytes);
  REQUIRE(offer.features.size() == 1);
  CHECK(offer.features[0].uri == "http://iana.org/opes/ocp/SMTP/receiver");
  const NamedValue* adaptive = offer.features[0].attribute("Adaptive-Commands");
  REQUIRE(adaptive);
  CHECK(serialize_value(adaptive->value) == "(RCPT,DATA)");
  CHECK(offer.sg_id == ServiceGroupId{25});
}

TEST_CASE("A-22: AM-OPT of Figure 15 parses as a list of two-member structures") {
  const auto dum = decode_as<DataUseMine>(conformance_vector("D-F15").messages[0].bytes);
  const NamedValue* options = dum.extensions.find("AM-OPT");
  REQUIRE(options);
  const List* list = options->value.as_list();
  REQUIRE(list);
  REQUIRE(list->items.size() == 2);
  CHECK(list->items[0].as_structure()->anonymous ==
        std::vector<Value>{Value::atom("authtype"), Value::atom("cram-md5")});
}

TEST_CASE("A-23: a bare * is a syntax error, the quoted \"1:*\" is the wildcard header name") {
  auto bare = parse_message("NR {\"3:x:y\"\r\nHeader-List: (From,*)\r\n};\r\n");
  REQUIRE_FALSE(bare);
  CHECK(bare.error().offset == 32);
  const Message quoted = parse_one("NR {\"3:x:y\"\r\nHeader-List: (From,\"1:*\")\r\n};\r\n");
  const auto response = std::get<NegotiationResponse>(*decode(quoted));
  const List* names = response.feature->attribute("Header-List")->value.as_list();
  REQUIRE(names);
  CHECK(names->items[1] == Value::atom("*"));
  CHECK(serialize(quoted) == "NR {\"3:x:y\"\r\nHeader-List: (From,\"1:*\")\r\n};\r\n");
}

TEST_CASE("A-24/A-35: uris are taken octet by octet, relative references included") {
  const auto sgc = decode_as<ServiceGroupCreated>(conformance_vector("H-F13").messages[2].bytes);
  REQUIRE(sgc.services.size() == 1);
  CHECK(sgc.services[0].uri == "ocp-test.example.com/url-filter");
  const auto offer = decode_as<NegotiationOffer>(
      "NO ({\"38:http://iana.org/opes/ocp/SMTP/RECEIVER\"});\r\n");
  CHECK(offer.features[0].uri != "http://iana.org/opes/ocp/SMTP/receiver");
  auto not_uri = decode(parse_one("NO ({\"3:a b\"});\r\n"));
  REQUIRE_FALSE(not_uri);
  CHECK(not_uri.error().parameter == "features");
}

TEST_CASE("§11: a named parameter given twice makes the message invalid") {
  auto decoded = decode(parse_one("NR\r\nSG: 1\r\nSG: 2\r\n;\r\n"));
  REQUIRE_FALSE(decoded);
  CHECK(decoded.error().describe() == "NR: parameter 'SG': named parameter appears more than once");
}

TEST_CASE("§11: unknown named parameters, extra anonymous values and payloads are kept, not refused") {
  const auto start = decode_as<TransactionStart>("TS 1 2 3\r\nX-Future: (a,b)\r\n\r\n2:hi\r\n;\r\n");
  CHECK(start.xid == Xid{1});
  CHECK(start.sg_id == ServiceGroupId{2});
  CHECK(start.extensions.anonymous == std::vector<Value>{Value::atom("3")});
  REQUIRE(start.extensions.find("X-Future"));
  REQUIRE(start.extensions.payload);
  CHECK(start.extensions.payload->view() == "hi");
  CHECK(serialize(encode(start)) == "TS 1 2 3\r\nX-Future: (a,b)\r\n\r\n2:hi\r\n;\r\n");
}

TEST_CASE("§10.10: an unknown status code counts as 400, an absent result as 200") {
  const auto unknown = decode_as<TransactionEnd>("TE 1 {299 odd};\r\n");
  CHECK(unknown.result->code == 299);
  CHECK(unknown.result->effective_code() == Result::kFailure);
  const auto partial = decode_as<ApplicationMessageEnd>("AME 1 {206 partial};\r\n");
  CHECK(partial.result->effective_code(true) == Result::kPartial);
  CHECK(partial.result->effective_code(false) == Result::kFailure);
  const auto absent = decode_as<TransactionEnd>("TE 1;\r\n");
  CHECK(absent.result.value_or(Result::ok()).code == Result::kOk);
}

}  // namespace ocp::test
