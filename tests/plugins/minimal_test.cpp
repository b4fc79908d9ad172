#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "support/plugin_runner.hpp"

using namespace plugin_test;

namespace {

std::string read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), std::string(path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("minimal example: rejects the configured recipient and keeps the others") {
  const ServiceInstance instance =
      instantiate(OPES_MINIMAL_SO, "deny-recipient", R"({"recipient":"spamtrap@example.com"})");
  const TransactionResult result =
      run(instance,
          {part("MAIL", "<a@example.org>"), part("RCPT", "<spamtrap@example.com> NOTIFY=NEVER"),
           part("RCPT", "<friend@example.com>")});
  REQUIRE(result.outcome == Outcome::Completed);
  REQUIRE(result.verdicts.size() == 2);
  CHECK(result.verdicts[0].action == Action::Reject);
  CHECK(result.verdicts[0].smtp_reply == "550 5.1.1 Recipient rejected");
  CHECK(result.verdicts[1].action == Action::Keep);
}

TEST_CASE("minimal example: a configuration without a recipient is refused") {
  const Error error = config_error(OPES_MINIMAL_SO, "deny-recipient", "{}");
  CHECK(error.code == Errc::config_rejected);
  CHECK(error.message.find("'recipient' not found") != std::string::npos);
}

TEST_CASE("minimal example: the plugin guide shows the example's source exactly") {
  const std::string guide = read_file(OPES_PLUGIN_GUIDE);
  const std::string source = read_file(OPES_MINIMAL_SOURCE);
  CHECK_MESSAGE(guide.find(source) != std::string::npos,
                "docs/plugin-guide.md must embed plugins/examples/minimal/minimal.cpp verbatim");
}
