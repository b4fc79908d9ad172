#include "daemon.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <csignal>
#include <cstdio>
#include <exception>
#include <thread>

#include "command_line.hpp"
#include "opes/callout/callout_handler.hpp"
#include "opes/callout/log.hpp"
#include "opes/callout/server.hpp"
#include "opes/callout/service_catalog.hpp"
#include "opes/support/endpoint_text.hpp"

namespace opes::callout::daemon {

namespace {

namespace asio = boost::asio;

constexpr auto kDrainPoll = std::chrono::milliseconds(50);

void log_catalog_problems(const std::vector<std::string>& problems) {
  for (const std::string& problem : problems)
    log(LogLevel::warning, "catalog-problem", {{"problem", problem}});
}

std::string joined(const std::vector<std::string>& problems) {
  std::string text;
  for (const std::string& problem : problems) text += (text.empty() ? "" : "; ") + problem;
  return text;
}

std::string joined(const std::vector<ConfigError>& errors) {
  std::string text;
  for (const ConfigError& error : errors) {
    if (!text.empty()) text += "; ";
    text += error.describe();
  }
  return text;
}

bool same_listener(const Listener& a, const Listener& b) {
  if (a.address != b.address || a.port != b.port || a.tls.has_value() != b.tls.has_value())
    return false;
  if (!a.tls) return true;
  return a.tls->certificate_file == b.tls->certificate_file &&
         a.tls->private_key_file == b.tls->private_key_file &&
         a.tls->client_ca_file == b.tls->client_ca_file &&
         a.tls->require_client_certificate == b.tls->require_client_certificate;
}

bool same_listeners(const std::vector<Listener>& a, const std::vector<Listener>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), same_listener);
}

/// The running server. Signals and the drain watch share one strand, so
/// they never touch the signal set concurrently whatever the thread count.
class Daemon {
 public:
  Daemon(const ConfigSource& source, const CalloutConfig& config,
         std::shared_ptr<const ServiceCatalog> catalog)
      : source_(source),
        started_with_(config),
        server_(io_, config.limits.max_connections),
        control_(asio::make_strand(io_)),
        signals_(control_, SIGTERM, SIGINT, SIGHUP),
        drain_watch_(control_) {
    server_.set_handler_factory(make_handler_factory(std::move(catalog)));
  }

  ocp::Expected<void, std::string> listen() { return server_.listen(started_with_.listeners); }

  /// One "opes-callout listening on ADDR:PORT" line per listener, flushed:
  /// scripts and tests learn the ports of port-0 listeners from it.
  void announce() const {
    const std::vector<std::uint16_t> ports = server_.bound_ports();
    for (std::size_t i = 0; i < ports.size(); ++i) {
      std::printf("opes-callout listening on %s\n",
                  support::endpoint_text(started_with_.listeners[i].address, ports[i]).c_str());
    }
    std::fflush(stdout);
  }

  int run() {
    wait_for_signal();
    std::vector<std::thread> workers;
    for (unsigned i = 1; i < started_with_.threads; ++i) workers.emplace_back([this] { run_io(); });
    run_io();
    for (std::thread& worker : workers) worker.join();
    log(LogLevel::info, "stopped");
    return kExitOk;
  }

 private:
  void run_io() {
    try {
      io_.run();
    } catch (const std::exception& error) {
      log(LogLevel::error, "worker-failed", {{"cause", error.what()}});
      io_.stop();
    }
  }

  void wait_for_signal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;  // cancelled: drained
      if ((signal == SIGTERM || signal == SIGINT) && stopping_) {
        // A second SIGTERM/SIGINT: the operator will not wait for the drain.
        log(LogLevel::warning, "stop-forced",
            {{"connections", std::to_string(server_.live_connections())}});
        io_.stop();
        return;
      }
      // Waiting again first, so that a drain that ends at once can cancel it.
      wait_for_signal();
      if (signal == SIGHUP) {
        reload();
      } else {
        begin_stop(signal);
      }
    });
  }

  void begin_stop(int signal) {
    stopping_ = true;
    log(LogLevel::info, "stopping",
        {{"signal", signal == SIGINT ? "SIGINT" : "SIGTERM"},
         {"connections", std::to_string(server_.live_connections())}});
    server_.stop();
    watch_drain();
  }

  /// The signal set keeps the io_context running; once every connection has
  /// finished it is cancelled and run() returns.
  void watch_drain() {
    if (server_.live_connections() == 0) {
      signals_.cancel();
      return;
    }
    drain_watch_.expires_after(kDrainPoll);
    drain_watch_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) watch_drain();
    });
  }

  /// SIGHUP: what a restart would load, for new connections; running
  /// connections finish their transactions on the catalog they started
  /// with, then end with CE 200. A configuration that does not parse
  /// changes nothing.
  void reload() {
    ConfigResult config = source_.load();
    if (!config) {
      log(LogLevel::error, "config-reload-failed",
          {{"config", source_.name()}, {"cause", joined(config.error())}});
      return;
    }
    ServiceCatalog::Built built = ServiceCatalog::build(*config);
    if (!built.refusals.empty() || !built.problems.empty()) {
      // A catalog that would skip a service, or lacks a required plugin, never
      // replaces a working one (fail fast, as at start).
      for (const std::string& refusal : built.refusals) {
        log(LogLevel::error, "config-reload-failed", {{"config", source_.name()}, {"cause", refusal}});
      }
      if (!built.problems.empty()) {
        log(LogLevel::error, "config-reload-failed",
            {{"config", source_.name()}, {"cause", joined(built.problems)}});
      }
      return;
    }
    set_log_level(config->log_level);
    support::set_log_output(config->log_output);
    log_catalog_problems(built.warnings);
    if (!same_listeners(config->listeners, started_with_.listeners) ||
        config->threads != started_with_.threads ||
        config->limits.max_connections != started_with_.limits.max_connections) {
      log(LogLevel::warning, "restart-needed",
          {{"cause", "listeners, threads and limits.max_connections change only on restart"}});
    }
    const std::size_t service_count = built.catalog->services().size();
    server_.set_handler_factory(make_handler_factory(std::move(built.catalog)));
    // Processors keep their OCP connections for long: each one ends in
    // order once its open transactions are done (CE 200, RFC 4037 §11.2),
    // and the processor's next connection gets the new catalog.
    const std::size_t renewed = server_.renew_connections("configuration reloaded");
    log(LogLevel::info, "config-reloaded",
        {{"config", source_.name()},
         {"services", std::to_string(service_count)},
         {"connections_renewed", std::to_string(renewed)}});
  }

  const ConfigSource& source_;
  const CalloutConfig started_with_;
  asio::io_context io_;
  Server server_;
  asio::strand<asio::io_context::executor_type> control_;
  asio::signal_set signals_;
  asio::steady_timer drain_watch_;
  bool stopping_ = false;
};

}  // namespace

int serve(const ConfigSource& source) {
  ConfigResult config = source.load();
  if (!config) {
    std::fputs(describe_config_errors(source, config.error()).c_str(), stderr);
    return kExitConfigOrBind;
  }
  set_log_level(config->log_level);
  support::set_log_output(config->log_output);
  // Plugins load before the listeners open: a processor that connects finds
  // the services ready.
  ServiceCatalog::Built built = ServiceCatalog::build(*config);
  if (!built.refusals.empty() || !built.problems.empty()) {
    // A combination of services that cannot all be served, or a plugin the
    // configuration needs and that is missing: refuse to start rather than
    // serve without it (an optional plugin is only a warning).
    for (const std::string& refusal : built.refusals) {
      std::fprintf(stderr, "opes-callout: config %s: %s\n", source.name().c_str(), refusal.c_str());
    }
    for (const std::string& problem : built.problems)
      std::fprintf(stderr, "opes-callout: config %s: %s\n", source.name().c_str(), problem.c_str());
    return kExitConfigOrBind;
  }
  Daemon daemon(source, *config, built.catalog);
  if (auto listening = daemon.listen(); !listening) {
    std::fprintf(stderr, "opes-callout: %s\n", listening.error().c_str());
    return kExitConfigOrBind;
  }
  daemon.announce();
  log_catalog_problems(built.warnings);
  log(LogLevel::info, "started",
      {{"config", source.name()},
       {"services", std::to_string(built.catalog->services().size())},
       {"threads", std::to_string(config->threads)}});
  return daemon.run();
}

int check_config(const ConfigSource& source) {
  ConfigResult config = source.load();
  if (!config) {
    std::fputs(describe_config_errors(source, config.error()).c_str(), stderr);
    return kExitConfigOrBind;
  }
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < config->listeners.size(); ++i) {
    boost::system::error_code ec;
    (void)asio::ip::make_address(config->listeners[i].address, ec);
    if (ec) {
      problems.push_back("listeners[" + std::to_string(i) + "].address: '" +
                         config->listeners[i].address + "' is not an IP address");
    }
  }
  ServiceCatalog::Built built = ServiceCatalog::build(*config);
  problems.insert(problems.end(), built.problems.begin(), built.problems.end());
  problems.insert(problems.end(), built.refusals.begin(), built.refusals.end());
  for (const std::string& problem : problems) {
    std::fprintf(stderr, "opes-callout: config %s: %s\n", source.name().c_str(), problem.c_str());
  }
  for (const std::string& warning : built.warnings) {
    std::fprintf(stderr, "opes-callout: config %s: warning: %s\n", source.name().c_str(),
                 warning.c_str());
  }
  if (!problems.empty()) return kExitConfigOrBind;
  std::printf("opes-callout: config %s: OK, %zu services, plugins from %s\n", source.name().c_str(),
              built.catalog->services().size(), config->plugin_dir.value_or("").c_str());
  return kExitOk;
}

}  // namespace opes::callout::daemon
