// RFC 4037 §10 typed readings: each checks its value and says what is wrong.

#include <doctest/doctest.h>

#include "ocp/serializer.hpp"
#include "ocp/stream_parser.hpp"
#include "ocp/types.hpp"

namespace ocp {

namespace {

Value value_of(std::string_view text) {
  auto message = parse_message("X " + std::string(text) + ";\r\n");
  REQUIRE_MESSAGE(message, (message ? "" : message.error().describe()));
  return message->anonymous.at(0);
}

template <class T>
std::string error_of(const Typed<T>& typed) {
  REQUIRE_FALSE(typed);
  return typed.error().reason;
}

}  // namespace

TEST_CASE("uni, size and offset: 0 to 2147483647, no leading zeros, quoted or bare") {
  CHECK(*read_uni(value_of("0")) == 0);
  CHECK(*read_uni(value_of("2147483647")) == 2147483647u);
  CHECK(*read_uni(value_of("\"4:1234\"")) == 1234);
  CHECK(error_of(read_uni(value_of("2147483648"))) == "'2147483648' exceeds 2147483647");
  CHECK(error_of(read_uni(value_of("99999999999999999999"))) == "'99999999999999999999' exceeds 2147483647");
  CHECK(error_of(read_uni(value_of("01"))) == "'01' has a leading zero");
  CHECK(error_of(read_uni(value_of("\"2:-1\""))) == "'-1' is not a decimal number");
  CHECK(error_of(read_uni(value_of("\"0:\""))) == "empty value is not a number");
  CHECK(error_of(read_uni(value_of("(1)"))) == "a number must be an atom, not a list");
  CHECK(*read_xid(value_of("7")) == Xid{7});
  CHECK(*read_sg_id(value_of("5")) == ServiceGroupId{5});
}

TEST_CASE("percent and modp: 0 to 100") {
  CHECK(read_percent(value_of("100"))->value == 100);
  CHECK(error_of(read_percent(value_of("101"))) == "101 is not a percentage (0 to 100)");
}

TEST_CASE("boolean: exactly true or false") {
  CHECK(*read_boolean(value_of("true")));
  CHECK_FALSE(*read_boolean(value_of("false")));
  CHECK(error_of(read_boolean(value_of("True"))) == "'True' is not a boolean (true or false)");
  CHECK(error_of(read_boolean(value_of("maybe"))) == "'maybe' is not a boolean (true or false)");
}

TEST_CASE("uri: an RFC 2396 URI-reference, kept octet for octet") {
  CHECK(*read_uri(value_of("\"38:http://iana.org/opes/ocp/SMTP/receiver\"")) ==
        "http://iana.org/opes/ocp/SMTP/receiver");
  CHECK(*read_uri(value_of("\"11:a%20b?c=d#e\"")) == "a%20b?c=d#e");
  CHECK(error_of(read_uri(value_of("\"3:a b\""))) == "'a b' is not a uri");
  CHECK(error_of(read_uri(value_of("\"3:a%2\""))) == "'a%2' is not a uri");
  CHECK(error_of(read_uri(value_of("\"0:\""))) == "empty uri");
}

TEST_CASE("result: a status code, an optional reason, and extension members kept") {
  const Result ok = *read_result(value_of("{200 OK}"));
  CHECK(ok.code == 200);
  CHECK(ok.reason == "OK");
  const Result bare = *read_result(value_of("{400}"));
  CHECK(bare.code == 400);
  CHECK_FALSE(bare.reason);
  const Result extended = *read_result(value_of("{206 partial x\r\nY: 1\r\n}"));
  CHECK(extended.extensions.anonymous.size() == 1);
  CHECK(extended.extensions.find("Y"));
  CHECK(serialize_value(write_result(extended)) == "{206 partial x\r\nY: 1\r\n}");
  CHECK(error_of(read_result(value_of("{}"))) == "result has no status code");
  CHECK(error_of(read_result(value_of("{OK}"))) == "result status code: 'OK' is not a decimal number");
  CHECK(error_of(read_result(value_of("200"))) == "result must be a structure, not an atom");
  CHECK(serialize_value(write_result(Result::failure("service unavailable"))) ==
        "{400 \"19:service unavailable\"}");
}

TEST_CASE("feature and features: a uri first, then attributes") {
  const auto features = *read_features(
      value_of("({\"3:a:b\" x\r\nY: 1\r\n},{\"3:c:d\"})"));
  REQUIRE(features.size() == 2);
  CHECK(features[0].uri == "a:b");
  CHECK(features[0].attributes.anonymous == std::vector<Value>{Value::atom("x")});
  CHECK(features[0].attribute("Y"));
  CHECK(features[1].attributes == Structure{});
  CHECK(serialize_value(write_features(features)) == "({\"3:a:b\" x\r\nY: 1\r\n},{\"3:c:d\"})");
  CHECK(read_features(value_of("()"))->empty());
  CHECK(error_of(read_features(value_of("({\"3:a:b\"},x)"))) ==
        "features item 2: feature must be a structure, not an atom");
  CHECK(error_of(read_feature(value_of("{}"))) == "feature has no uri");
  CHECK(error_of(read_feature(value_of("{(a)}"))) == "feature uri: a uri must be an atom, not a list");
}

TEST_CASE("service and services: like features, in application order") {
  const auto services = *read_services(value_of("({\"3:s:1\"},{\"3:s:2\" \"8:blowfish\"})"));
  REQUIRE(services.size() == 2);
  CHECK(services[0].uri == "s:1");
  CHECK(services[1].attributes.anonymous == std::vector<Value>{Value::atom("blowfish")});
  CHECK(serialize_value(write_services(services)) == "({\"3:s:1\"},{\"3:s:2\" blowfish})");
}

}  // namespace ocp
