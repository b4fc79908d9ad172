#include <doctest/doctest.h>

#include "opes/pop3/command_line.hpp"

using namespace opes::pop3;

TEST_CASE("a command keyword is upper-cased and its argument kept as sent") {
  const auto command = parse_command_line("retr 1");
  CHECK(command.keyword == "RETR");
  CHECK(command.argument == "1");
  CHECK(command.has_argument);
  const auto bare = parse_command_line("Stat");
  CHECK(bare.keyword == "STAT");
  CHECK_FALSE(bare.has_argument);
  CHECK(parse_command_line("PASS alice secret").argument == "alice secret");
}

TEST_CASE("multi-line answers follow CAPA RETR TOP and LIST UIDL AUTH without argument") {
  CHECK(expects_multiline(parse_command_line("CAPA")));
  CHECK(expects_multiline(parse_command_line("RETR 1")));
  CHECK(expects_multiline(parse_command_line("TOP 1 0")));
  CHECK(expects_multiline(parse_command_line("LIST")));
  CHECK_FALSE(expects_multiline(parse_command_line("LIST 1")));
  CHECK(expects_multiline(parse_command_line("UIDL")));
  CHECK_FALSE(expects_multiline(parse_command_line("UIDL 2")));
  CHECK(expects_multiline(parse_command_line("AUTH")));
  CHECK_FALSE(expects_multiline(parse_command_line("AUTH PLAIN")));
  CHECK_FALSE(expects_multiline(parse_command_line("STAT")));
  CHECK_FALSE(expects_multiline(parse_command_line("USER bob")));
}
