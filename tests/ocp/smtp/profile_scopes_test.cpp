#include "ocp/smtp/profile_scopes.hpp"

#include <doctest/doctest.h>

namespace ocp::smtp::test {

namespace {

NegotiatedProfile profile(Direction direction, std::optional<ServiceGroupId> scope) {
  SmtpProfile smtp;
  smtp.direction = direction;
  return {smtp, scope};
}

}  // namespace

TEST_CASE("smtp 3.2: a connection-scoped profile governs every service group") {
  ProfileScopes scopes;
  REQUIRE(scopes.enable(profile(Direction::receiver, std::nullopt)));
  REQUIRE(scopes.governing(ServiceGroupId{1}));
  CHECK(scopes.governing(ServiceGroupId{1})->direction == Direction::receiver);
  CHECK(scopes.governing(ServiceGroupId{99}));
}

TEST_CASE("smtp 3.2: an SG-scoped profile governs only its service group") {
  ProfileScopes scopes;
  REQUIRE(scopes.enable(profile(Direction::receiver, ServiceGroupId{25})));
  REQUIRE(scopes.enable(profile(Direction::sender, ServiceGroupId{26})));
  CHECK(scopes.governing(ServiceGroupId{25})->direction == Direction::receiver);
  CHECK(scopes.governing(ServiceGroupId{26})->direction == Direction::sender);
  CHECK_FALSE(scopes.governing(ServiceGroupId{27}));
}

TEST_CASE("RFC 4037 6.1: overlapping SMTP profiles conflict, whatever their scope") {
  ProfileScopes scopes;
  REQUIRE(scopes.enable(profile(Direction::receiver, ServiceGroupId{25})));
  auto same_group = scopes.enable(profile(Direction::sender, ServiceGroupId{25}));
  REQUIRE_FALSE(same_group);
  CHECK(same_group.error().describe() ==
        "RFC 4037 §6.1: an SMTP profile is already enabled for service group 25");
  auto connection = scopes.check(std::nullopt);
  REQUIRE_FALSE(connection);
  CHECK(connection.error().scope == ServiceGroupId{25});

  ProfileScopes wide;
  REQUIRE(wide.enable(profile(Direction::receiver, std::nullopt)));
  auto group = wide.check(ServiceGroupId{3});
  REQUIRE_FALSE(group);
  CHECK(group.error().describe() ==
        "RFC 4037 §6.1: an SMTP profile is already enabled for the connection");
}

TEST_CASE("SGD ends the profile scoped to that service group") {
  ProfileScopes scopes;
  REQUIRE(scopes.enable(profile(Direction::receiver, ServiceGroupId{25})));
  scopes.forget(ServiceGroupId{25});
  CHECK_FALSE(scopes.governing(ServiceGroupId{25}));
  CHECK(scopes.enable(profile(Direction::receiver, ServiceGroupId{25})));
}

}  // namespace ocp::smtp::test
