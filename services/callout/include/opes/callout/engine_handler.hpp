#pragma once
// A ConnectionHandler around the OCP Core engine: it feeds the engine and
// hands every event to on_event(), where the callout server's dispatch
// (services → plugins) does its work. Draining (SIGTERM) lets open
// transactions finish, then ends the connection with CE 200.

#include <memory>
#include <string>

#include "ocp/engine/connection.hpp"
#include "opes/callout/connection_handler.hpp"

namespace opes::callout {

class EngineHandler : public ConnectionHandler {
 public:
  explicit EngineHandler(ocp::engine::Config config, TimePoint now);

  void receive(std::string_view bytes, TimePoint now) override;
  void receive_eof() override;
  void on_timer(TimePoint now) override;
  std::optional<TimePoint> next_deadline() const override;
  std::string_view pending_output() const override { return engine_.pending_output(); }
  void consume_output(std::size_t n) override { engine_.consume_output(n); }
  bool finished() const override { return engine_.closed() && engine_.pending_output().empty(); }
  void drain(TimePoint now) override;
  void drain(TimePoint now, const std::string& reason) override;

 protected:
  /// One engine event; the default only logs what is worth logging.
  virtual void on_event(ocp::engine::Event& event);
  ocp::engine::Connection& engine() { return engine_; }

 private:
  void process_events();

  ocp::engine::Connection engine_;
  bool draining_ = false;
  std::string drain_reason_ = "server shutting down";  // the CE 200's reason
};

}  // namespace opes::callout
