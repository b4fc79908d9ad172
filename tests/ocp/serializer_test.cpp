// Canonical output, whole and scatter-gather.

#include <doctest/doctest.h>

#include "ocp/serializer.hpp"

namespace ocp {

TEST_CASE("atoms go bare when they can and quoted with their length otherwise") {
  CHECK(serialize_value(Value::atom("abc-_9")) == "abc-_9");
  CHECK(serialize_value(Value::atom("")) == "\"0:\"");
  CHECK(serialize_value(Value::atom("a b")) == "\"3:a b\"");
  CHECK(serialize_value(Value::atom("*")) == "\"1:*\"");
  CHECK(serialize_value(Value::atom(std::string("\0;", 2))) == std::string("\"2:\0;\"", 6));
}

TEST_CASE("lists and structures use no optional whitespace") {
  CHECK(serialize_value(Value(List{})) == "()");
  CHECK(serialize_value(Value(List{{Value::atom("a"), Value::atom("b")}})) == "(a,b)");
  CHECK(serialize_value(Value(Structure{})) == "{}");
  Structure structure{{Value::atom("200"), Value::atom("OK")}, {NamedValue{"X", Value::atom("1"), {}}}};
  CHECK(serialize_value(Value(structure)) == "{200 OK\r\nX: 1\r\n}");
}

TEST_CASE("the empty line stands between named parameters and payload exactly when both are present") {
  Message message{"DUM", {Value::atom("1"), Value::atom("0")}, {}, SharedBytes::copy_of("hi")};
  CHECK(serialize(message) == "DUM 1 0\r\n2:hi\r\n;\r\n");
  message.named.push_back(NamedValue{"Modp", Value::atom("0"), {}});
  CHECK(serialize(message) == "DUM 1 0\r\nModp: 0\r\n\r\n2:hi\r\n;\r\n");
  message.payload.reset();
  CHECK(serialize(message) == "DUM 1 0\r\nModp: 0\r\n;\r\n");
}

TEST_CASE("serialize appends to what the caller's buffer already holds") {
  std::string out = "PQ;\r\n";
  serialize(Message{"CS", {}, {}, std::nullopt}, out);
  CHECK(out == "PQ;\r\nCS;\r\n");
}

TEST_CASE("scatter-gather output references the payload instead of copying it") {
  const SharedBytes payload = SharedBytes::copy_of(std::string(70000, 'q'));
  const Message message{"DUM", {Value::atom("3"), Value::atom("0")}, {}, payload};
  std::string head;
  const auto buffers = serialize_gather(message, head);
  CHECK(buffers[0] == "DUM 3 0\r\n70000:");
  CHECK(buffers[1].data() == payload.data());
  CHECK(buffers[1].size() == 70000);
  CHECK(buffers[2] == "\r\n;\r\n");
  CHECK(std::string(buffers[0]) + std::string(buffers[1]) + std::string(buffers[2]) == serialize(message));
  const auto plain = serialize_gather(Message{"PQ", {}, {}, std::nullopt}, head);
  CHECK(plain[0] == "PQ;\r\n");
  CHECK(plain[1].empty());
  CHECK(plain[2].empty());
}

}  // namespace ocp
