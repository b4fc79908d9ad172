#include "ocp/smtp/profile_id.hpp"

#include <doctest/doctest.h>

namespace ocp::smtp::test {

TEST_CASE("A-24: the two profile IDs are the draft's URIs byte for byte") {
  CHECK(kSenderProfileUri == "http://iana.org/opes/ocp/SMTP/sender");
  CHECK(kReceiverProfileUri == "http://iana.org/opes/ocp/SMTP/receiver");
  CHECK(kReceiverProfileUri.size() == 38);  // the figures' "38:" prefix
  CHECK(profile_uri(Direction::sender) == kSenderProfileUri);
  CHECK(profile_uri(Direction::receiver) == kReceiverProfileUri);
}

TEST_CASE("A-24: a profile ID is recognised only octet for octet") {
  CHECK(direction_of("http://iana.org/opes/ocp/SMTP/sender") == Direction::sender);
  CHECK(direction_of("http://iana.org/opes/ocp/SMTP/receiver") == Direction::receiver);
  CHECK_FALSE(direction_of("http://iana.org/opes/ocp/smtp/receiver"));
  CHECK_FALSE(direction_of("http://www.iana.org/assignments/opes/ocp/SMTP/receiver"));
  CHECK_FALSE(direction_of("http://iana.org/opes/ocp/SMTP/receiver/"));
  CHECK_FALSE(direction_of("http://www.iana.org/assignments/opes/ocp/http/response"));
}

}  // namespace ocp::smtp::test
