// callout_bench_server: the callout server (configuration, service catalog,
// dispatch, Asio server) without the daemon around it, for the benchmark.
// Prints `callout_bench_server listening on HOST:PORT` once it listens and
// runs until SIGINT or SIGTERM.
//
// usage: callout_bench_server --config FILE

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <string_view>
#include <thread>
#include <vector>

#include "opes/callout/callout_handler.hpp"
#include "opes/callout/server.hpp"
#include "opes/callout/service_catalog.hpp"

int main(int argc, char** argv) {
  using namespace opes::callout;
  if (argc != 3 || std::string_view(argv[1]) != "--config") {
    std::fprintf(stderr, "usage: callout_bench_server --config FILE\n");
    return 2;
  }
  auto config = load_config(argv[2]);
  if (!config) {
    for (const ConfigError& error : config.error())
      std::fprintf(stderr, "config: %s\n", error.describe().c_str());
    return 1;
  }
  auto built = ServiceCatalog::build(*config);
  if (!built.problems.empty()) {
    for (const std::string& problem : built.problems)
      std::fprintf(stderr, "catalog: %s\n", problem.c_str());
    return 1;
  }

  boost::asio::io_context io;
  Server server(io, config->limits.max_connections);
  server.set_handler_factory(make_handler_factory(built.catalog));
  if (auto listening = server.listen(config->listeners); !listening) {
    std::fprintf(stderr, "listen: %s\n", listening.error().c_str());
    return 1;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&server](const boost::system::error_code&, int) { server.stop(); });
  for (std::size_t i = 0; i < config->listeners.size(); ++i) {
    std::printf("callout_bench_server listening on %s:%u\n", config->listeners[i].address.c_str(),
                static_cast<unsigned>(server.bound_ports().at(i)));
  }
  std::fflush(stdout);

  std::vector<std::thread> threads;
  for (unsigned i = 1; i < config->threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (std::thread& thread : threads) thread.join();
  return 0;
}
