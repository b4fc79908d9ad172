#pragma once
// Drives one callout-server connection handler with bytes, as the Asio edge
// would, and collects what it sends: the dispatch tests compare those bytes.

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "opes/callout/callout_handler.hpp"
#include "opes/callout/service_catalog.hpp"

namespace opes::callout::testing {

/// A catalog from a JSON configuration; fails the test on any problem.
inline std::shared_ptr<const ServiceCatalog> catalog_from(std::string_view json) {
  auto config = parse_config(json);
  REQUIRE_MESSAGE(config.has_value(), (config ? std::string() : config.error().front().describe()));
  auto built = ServiceCatalog::build(*config);
  for (const std::string& problem : built.problems) FAIL_CHECK(problem);
  return built.catalog;
}

class DispatchHarness {
 public:
  explicit DispatchHarness(std::shared_ptr<const ServiceCatalog> catalog)
      : handler_(make_callout_handler(std::move(catalog), PeerInfo{"127.0.0.1:4242", false, {}}, now_)) {
    CHECK(take() == "CS;\r\n");
  }

  /// Feeds bytes and returns everything the handler sent since the last call.
  std::string exchange(std::string_view bytes) {
    handler_->receive(bytes, now_);
    return take();
  }

  std::string take() {
    std::string out(handler_->pending_output());
    handler_->consume_output(out.size());
    return out;
  }

  bool finished() const { return handler_->finished(); }

 private:
  TimePoint now_ = std::chrono::steady_clock::now();
  std::unique_ptr<ConnectionHandler> handler_;
};

}  // namespace opes::callout::testing
