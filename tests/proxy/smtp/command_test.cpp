#include "opes/smtp/command.hpp"

#include <doctest/doctest.h>

namespace opes::smtp::test {

TEST_CASE("RFC 5321 2.4: verbs are recognised in any case and keep their spelling") {
  const Command command = parse_command("mAiL FROM:<a@b.example>");
  CHECK(command.verb == Verb::mail);
  CHECK(command.verb_text == "mAiL");
  CHECK(command.argument == "FROM:<a@b.example>");
  CHECK(parse_command("starttls").verb == Verb::starttls);
  CHECK(parse_command("QUIT").argument.empty());
}

TEST_CASE("the argument is everything after the first SP exactly as sent") {
  CHECK(parse_command("HELO  two  spaces ").argument == " two  spaces ");
  CHECK(parse_command("NOOP ").argument.empty());
  CHECK(parse_command("NOOP ").verb == Verb::noop);
}

TEST_CASE("extension verbs are known and anything else is unknown with its text") {
  CHECK(parse_command("HOST mail.example.com").verb == Verb::host);
  CHECK(parse_command("AUTH PLAIN").verb == Verb::auth);
  CHECK(parse_command("ATRN example.org").verb == Verb::atrn);
  CHECK(parse_command("BDAT 100 LAST").verb == Verb::bdat);
  const Command unknown = parse_command("XCLIENT NAME=x");
  CHECK(unknown.verb == Verb::unknown);
  CHECK(unknown.verb_text == "XCLIENT");
  CHECK(parse_command("MAILX FROM:<>").verb == Verb::unknown);
  CHECK(parse_command("").verb_text.empty());
}

TEST_CASE("verb names are spelled as RFC 5321 spells them") {
  CHECK(verb_name(Verb::rcpt) == "RCPT");
  CHECK(verb_name(Verb::starttls) == "STARTTLS");
  CHECK(verb_name(Verb::unknown).empty());
}

}  // namespace opes::smtp::test
