#pragma once
// An opes-callout server inside the test process: the configuration parsed,
// its catalog built (every plugin loaded), the Asio server listening on
// 127.0.0.1 on a free port and run by its own threads until destruction.

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "opes/callout/callout_handler.hpp"
#include "opes/callout/server.hpp"
#include "opes/callout/service_catalog.hpp"

namespace opes::callout::testing {

class RunningCalloutServer {
 public:
  /// `config_json` without listeners: one on 127.0.0.1 port 0 is added.
  RunningCalloutServer(std::string_view config_json, unsigned threads) {
    auto document = nlohmann::json::parse(config_json);
    document["listeners"] = nlohmann::json::array({{{"address", "127.0.0.1"}, {"port", 0}}});
    auto config = parse_config(document.dump());
    REQUIRE_MESSAGE(config.has_value(),
                    (config ? std::string() : config.error().front().describe()));
    auto built = ServiceCatalog::build(*config);
    for (const std::string& problem : built.problems) FAIL(problem);
    server_ = std::make_unique<Server>(io_, config->limits.max_connections);
    server_->set_handler_factory(make_handler_factory(built.catalog));
    auto listening = server_->listen(config->listeners);
    REQUIRE_MESSAGE(listening.has_value(), (listening ? std::string() : listening.error()));
    port_ = server_->bound_ports().at(0);
    for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  ~RunningCalloutServer() {
    server_->stop();
    for (std::thread& thread : threads_) thread.join();
  }

  RunningCalloutServer(const RunningCalloutServer&) = delete;
  RunningCalloutServer& operator=(const RunningCalloutServer&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  boost::asio::io_context io_;
  std::unique_ptr<Server> server_;
  std::vector<std::thread> threads_;
  std::uint16_t port_ = 0;
};

}  // namespace opes::callout::testing
