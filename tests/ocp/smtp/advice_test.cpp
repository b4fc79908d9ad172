#include "ocp/smtp/advice.hpp"

#include <doctest/doctest.h>

#include "wire.hpp"

namespace ocp::smtp::test {

TEST_CASE("A-25: Discard and Quarantine are the advice this project defines") {
  auto discard = read_advice(Value::atom("Discard"));
  REQUIRE(discard);
  CHECK(*discard == Advice::discard);
  auto quarantine = read_advice(Value::atom("Quarantine"));
  REQUIRE(quarantine);
  CHECK(*quarantine == Advice::quarantine);
}

TEST_CASE("A-25: other advice atoms, other case included, are ignored") {
  for (std::string_view token : {"discard", "QUARANTINE", "Spam-Folder", ""}) {
    auto advice = read_advice(Value::atom(token));
    REQUIRE(advice);
    CHECK_FALSE(*advice);
  }
}

TEST_CASE("A-25: advice that is not an atom is a type error") {
  auto list = read_advice(value_of("(Discard)"));
  REQUIRE_FALSE(list);
  CHECK(list.error().reason == "advice must be an atom, not a list");
}

TEST_CASE("A-25: advice is written as its bare token") {
  CHECK(bytes_of(write_advice(Advice::discard)) == "Discard");
  CHECK(bytes_of(write_advice(Advice::quarantine)) == "Quarantine");
}

}  // namespace ocp::smtp::test
