#include "ocp/smtp/supported_params.hpp"

#include <doctest/doctest.h>

#include "wire.hpp"

namespace ocp::smtp::test {

TEST_CASE("smtp 3.3.2: Allow reads the three defined supported-params") {
  auto params = read_supported_params(value_of("(SMTP-Error,Advice,Add-Header)"));
  REQUIRE(params);
  CHECK(params->smtp_error);
  CHECK(params->advice);
  CHECK(params->add_header);
  CHECK(params->unknown.empty());
}

TEST_CASE("smtp 3.3.2: unknown supported-param atoms are ignored (kept aside only)") {
  auto params = read_supported_params(value_of("(X-Redirect,SMTP-Error,smtp-error,X-Redirect)"));
  REQUIRE(params);
  CHECK(params->smtp_error);
  CHECK_FALSE(params->advice);
  CHECK(params->unknown == std::vector<std::string>{"X-Redirect", "smtp-error"});
}

TEST_CASE("smtp 3.3.2: the supported-params list may be empty") {
  auto params = read_supported_params(value_of("()"));
  REQUIRE(params);
  CHECK(*params == SupportedParams::none());
}

TEST_CASE("Allow must be a list of atoms") {
  auto atom = read_supported_params(Value::atom("SMTP-Error"));
  REQUIRE_FALSE(atom);
  CHECK(atom.error().reason == "supported-params must be a list, not an atom");
  CHECK_FALSE(read_supported_params(value_of("((SMTP-Error))")));
}

TEST_CASE("Allow is written in the figures' order, each atom once") {
  SupportedParams params;
  params.add_header = true;
  params.smtp_error = true;
  CHECK(bytes_of(write_supported_params(params)) == "(SMTP-Error,Add-Header)");
  params.advice = true;
  CHECK(bytes_of(write_supported_params(params)) == "(SMTP-Error,Advice,Add-Header)");
  CHECK(bytes_of(write_supported_params(SupportedParams::none())) == "()");
}

TEST_CASE("two Allow lists combine into what either accepts") {
  SupportedParams a;
  a.smtp_error = true;
  a.unknown = {"X-1"};
  SupportedParams b;
  b.add_header = true;
  b.unknown = {"X-1", "X-2"};
  a |= b;
  CHECK(a.smtp_error);
  CHECK(a.add_header);
  CHECK_FALSE(a.advice);
  CHECK(a.unknown == std::vector<std::string>{"X-1", "X-2"});
}

}  // namespace ocp::smtp::test
