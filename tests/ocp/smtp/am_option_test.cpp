#include "ocp/smtp/am_option.hpp"

#include <doctest/doctest.h>

#include "wire.hpp"

namespace ocp::smtp::test {

TEST_CASE("A-22: AM-OPT reads Figure 15's list of {key value} structures") {
  auto options = read_am_options(value_of("({authtype cram-md5},{authen true})"));
  REQUIRE(options);
  CHECK(*options == std::vector<AmOption>{{"authtype", "cram-md5"}, {"authen", "true"}});
  REQUIRE(find_am_option(*options, "authen"));
  CHECK(find_am_option(*options, "authen")->value == "true");
  CHECK_FALSE(find_am_option(*options, "AUTHEN"));
}

TEST_CASE("A-22: AM-OPT items must be structures of exactly two atoms") {
  auto atom = read_am_options(value_of("(authtype)"));
  REQUIRE_FALSE(atom);
  CHECK(atom.error().reason == "AM-OPT item 1: must be a structure, not an atom");
  auto three = read_am_options(value_of("({a b c})"));
  REQUIRE_FALSE(three);
  CHECK(three.error().reason == "AM-OPT item 1: must be {key value}");
  CHECK_FALSE(read_am_options(value_of("({a})")));
  CHECK_FALSE(read_am_options(value_of("({a (b)})")));
  CHECK_FALSE(read_am_options(value_of("({a b\r\nX: 1\r\n})")));
  CHECK_FALSE(read_am_options(value_of("({\"0:\" b})")));
  CHECK_FALSE(read_am_options(Value::atom("x")));
  CHECK(read_am_options(value_of("()")));
}

TEST_CASE("A-22: AM-OPT is written as Figure 15 prints it, values quoted when they must be") {
  CHECK(bytes_of(write_am_options({{"authtype", "cram-md5"}, {"authen", "true"}})) ==
        "({authtype cram-md5},{authen true})");
  CHECK(bytes_of(write_am_options({{"authid", "sender@example.org"}})) ==
        "({authid \"18:sender@example.org\"})");
}

}  // namespace ocp::smtp::test
