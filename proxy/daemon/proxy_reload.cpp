// SIGHUP: opes-proxy reads its configuration file again. What a restart
// would load applies to new sessions; each running session finishes on the
// generation it started on (config_generation.hpp). A file that does not
// parse or prepare, or a new listener that cannot bind, changes nothing:
// the error is logged, naming the key, and the old configuration stays.
// docs/operator-guide.md "Reloading".

#include <boost/asio/post.hpp>

#include <algorithm>
#include <iostream>

#include "daemon_state.hpp"
#include "opes/support/log.hpp"

namespace opes::proxy::daemon {

namespace {

using support::log;
using support::LogLevel;

void log_failure(const DaemonState& state, const std::string& key, const std::string& cause) {
  log(LogLevel::error, "proxy.reload_failed",
      {{"config", state.config_file->string()},
       {"key", key},
       {"cause", cause},
       {"kept", "the running configuration"}});
}

bool listed(const std::vector<Listener>& listeners, const Listener& key) {
  return std::any_of(listeners.begin(), listeners.end(),
                     [&](const Listener& each) { return same_socket(each, key); });
}

}  // namespace

void reload(DaemonState& state) {
  if (!state.config_file) {
    log(LogLevel::info, "proxy.reload_skipped",
        {{"cause", "started without --config: the built-in default has nothing to reload"}});
    return;
  }
  ConfigResult config = load_config(*state.config_file);
  if (!config) {
    for (const ConfigError& error : config.error())
      log_failure(state, error.path.empty() ? "(document)" : error.path, error.reason);
    return;
  }
  std::error_code directory_error;
  std::filesystem::create_directories(config->work_directory, directory_error);
  if (directory_error) {
    log_failure(state, "work_directory",
                config->work_directory.string() + ": " + directory_error.message());
    return;
  }
  auto prepared = prepare(*config);
  if (!prepared) {
    // prepare() names the key first ("tls: ...", "upstream.tls: ...").
    const std::string& cause = prepared.error();
    log_failure(state, cause.substr(0, cause.find(':')), cause);
    return;
  }

  // New listeners bind before anything changes, so a port that is taken
  // keeps the whole reload out.
  std::vector<std::shared_ptr<ListenerSlot>> added;
  for (std::size_t i = 0; i < config->listeners.size(); ++i) {
    const Listener& listener = config->listeners[i];
    const bool open = std::any_of(state.listeners.begin(), state.listeners.end(),
                                  [&](const auto& slot) { return same_socket(slot->configured, listener); });
    if (open) continue;
    auto slot = open_listener(state, listener);
    if (!slot) {
      log_failure(state, "listeners[" + std::to_string(i) + "]", slot.error());
      return;  // the slots bound so far close as `added` goes
    }
    added.push_back(std::move(*slot));
  }

  if (config->threads != state.threads) {
    log(LogLevel::warning, "proxy.restart_needed",
        {{"key", "threads"},
         {"cause", "the number of threads changes only on restart; running with " +
                       std::to_string(state.threads)}});
  }
  if (config->odmr && !state.odmr) {
    auto odmr = open_odmr_runtime(*config->odmr);
    if (!odmr) {
      log_failure(state, "odmr.queue", odmr.error());
      return;
    }
    state.odmr = std::move(*odmr);
  } else if (config->odmr && state.odmr->queue_path != config->odmr->queue) {
    log(LogLevel::warning, "proxy.restart_needed",
        {{"key", "odmr.queue"},
         {"cause", "the hold queue moves only on restart; holding in " + state.odmr->queue_path.string()}});
  }
  support::set_log_level(config->log_level);
  const std::size_t listener_count = config->listeners.size();
  auto snapshot = std::make_shared<const ProxyConfig>(std::move(*config));
  install_generation(state, std::make_shared<const SharedGeneration>(
                                SharedGeneration{snapshot, std::move(*prepared),
                                                 listening_endpoints(state, added)}));

  // Removed listeners stop accepting; their running sessions go on.
  std::size_t removed = 0;
  for (auto it = state.listeners.begin(); it != state.listeners.end();) {
    if (listed(snapshot->listeners, (*it)->configured)) {
      ++it;
      continue;
    }
    boost::system::error_code ignored;
    (*it)->acceptor.close(ignored);
    it = state.listeners.erase(it);
    ++removed;
  }
  for (auto& slot : added) {
    state.listeners.push_back(slot);
    start_accepting(state, slot);
  }
  log(LogLevel::info, "proxy.config_reloaded",
      {{"config", state.config_file->string()},
       {"listeners", std::to_string(listener_count)},
       {"listeners_added", std::to_string(added.size())},
       {"listeners_removed", std::to_string(removed)}});
}

}  // namespace opes::proxy::daemon
