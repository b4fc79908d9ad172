// The digest's section (h) vectors, read as the ABNF says: every valid vector
// parses to the same messages whole and octet by octet and re-serialises to
// its own bytes; every invalid one fails at the octet the digest names.

#include <doctest/doctest.h>

#include "ocp/serializer.hpp"
#include "support/parsing.hpp"
#include "support/vectors.hpp"

namespace ocp::test {

namespace {

// Vectors whose valid messages are not in canonical form: §3.1 makes a quoted
// value and its bare form the same value, and canonical output sends bare.
bool is_canonical(const Vector& vector, std::size_t message) {
  return !(vector.id == "C-3.3-1" && message == 4) &&  // x-doit "5:xyzzy"
         vector.id != "C-10.13-fixed";                    // "8:blowfish"
}

}  // namespace

TEST_CASE("the vectors are the digest's bytes") {
  CHECK(conformance_vectors().size() == 26);
  for (const Vector& vector : conformance_vectors()) {
    CAPTURE(vector.id);
    CHECK(sha256_hex(vector.stream()) == vector.sha256);
  }
}

TEST_CASE("every valid vector parses into its messages, whole and octet by octet") {
  for (const Vector& vector : conformance_vectors()) {
    if (!vector.valid) continue;
    CAPTURE(vector.id);
    const std::string stream = vector.stream();
    const Parsed whole = parse_stream(stream);
    REQUIRE_FALSE(whole.error);
    REQUIRE(whole.messages.size() == vector.messages.size());
    for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{64}}) {
      CAPTURE(chunk);
      const Parsed pieces = parse_stream(stream, chunk);
      REQUIRE_FALSE(pieces.error);
      CHECK(pieces.messages == whole.messages);
    }
  }
}

TEST_CASE("every valid vector message serialises back to its own bytes") {
  for (const Vector& vector : conformance_vectors()) {
    if (!vector.valid) continue;
    CAPTURE(vector.id);
    const Parsed parsed = parse_stream(vector.stream());
    REQUIRE(parsed.messages.size() == vector.messages.size());
    for (std::size_t i = 0; i < parsed.messages.size(); ++i) {
      CAPTURE(i);
      const std::string canonical = serialize(parsed.messages[i]);
      if (is_canonical(vector, i)) {
        CHECK(canonical == vector.messages[i].bytes);
      } else {
        CHECK(canonical != vector.messages[i].bytes);
        CHECK(parse_stream(canonical).messages.at(0) == parsed.messages[i]);
      }
    }
  }
}

TEST_CASE("a quoted atom is re-sent bare when it can be (x-doit \"5:xyzzy\")") {
  const Parsed parsed = parse_stream(conformance_vector("C-3.3-1").messages[4].bytes);
  REQUIRE(parsed.messages.size() == 1);
  CHECK(serialize(parsed.messages[0]) == "x-doit xyzzy;\r\n");
}

TEST_CASE("every invalid vector fails at the octet the digest names, whole and octet by octet") {
  std::size_t invalid = 0;
  for (const Vector& vector : conformance_vectors()) {
    if (vector.valid) continue;
    ++invalid;
    CAPTURE(vector.id);
    ParseOptions strict;
    strict.multi_value_kept = false;  // D-F8-strict is invalid only under the literal ABNF
    for (std::size_t chunk : {SIZE_MAX, std::size_t{1}}) {
      const Parsed parsed = parse_stream(vector.stream(), chunk, strict);
      REQUIRE(parsed.error);
      CHECK(parsed.error->offset == static_cast<std::uint64_t>(vector.error_offset));
      CHECK(parsed.messages.empty());
    }
  }
  CHECK(invalid == 5);
}

TEST_CASE("the digest's decoded forms: C-3.3-5 carries an 8865-octet payload with the terminator and CR LF inside") {
  const Parsed parsed = parse_stream(conformance_vector("C-3.3-5").stream(), 1000);
  REQUIRE_FALSE(parsed.error);
  REQUIRE(parsed.messages.size() == 1);
  const Message& dum = parsed.messages[0];
  CHECK(dum.name == "DUM");
  REQUIRE(dum.payload);
  CHECK(dum.payload->size() == 8865);
  CHECK(static_cast<unsigned char>(dum.payload->view()[59]) == 59);  // ';'
  CHECK(dum.find("Modp")->value == Value::atom("75"));
}

}  // namespace ocp::test
