// opes-proxy's log_format and log_timestamps keys (docs/operator-guide.md,
// "Log events"): plain lines without timestamps unless asked, strict values.

#include <doctest/doctest.h>

#include <string>

#include "opes/proxy/config.hpp"

namespace {

using opes::proxy::parse_config;

constexpr std::string_view kListenersAndSpool = R"({
  "listeners": [{"port": 0}],
  "spool": "/tmp/opes-spool",
  "callout": {
    "servers": [{"address": "127.0.0.1"}],
    "service_groups": [{"name": "inbound", "services": [{"uri": "urn:opes-smtp:service:header-stamp"}]}]
  })";

std::string with(std::string_view keys) { return std::string(kListenersAndSpool) + std::string(keys) + "}"; }

std::string errors_of(const std::string& json) {
  auto config = parse_config(json);
  if (config) return "";
  std::string all;
  for (const auto& error : config.error()) all += error.describe() + "\n";
  return all;
}

}  // namespace

TEST_CASE("log_format is plain and log_timestamps off unless configured") {
  auto config = parse_config(with(""));
  REQUIRE_MESSAGE(config.has_value(), errors_of(with("")));
  CHECK(config->log_output.format == opes::support::LogFormat::plain);
  CHECK_FALSE(config->log_output.timestamps);
}

TEST_CASE("log_format syslog and log_timestamps true are read") {
  const std::string json = with(R"(, "log_format": "syslog", "log_timestamps": true)");
  auto config = parse_config(json);
  REQUIRE_MESSAGE(config.has_value(), errors_of(json));
  CHECK(config->log_output.format == opes::support::LogFormat::syslog);
  CHECK(config->log_output.timestamps);
}

TEST_CASE("an unknown log_format and a log_timestamps that is no boolean are refused by name") {
  const std::string errors = errors_of(with(R"(, "log_format": "journal", "log_timestamps": 1)"));
  CHECK(errors.find("log_format: must be plain or syslog") != std::string::npos);
  CHECK(errors.find("log_timestamps:") != std::string::npos);
}
