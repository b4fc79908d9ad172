#include "opes/callout/engine_handler.hpp"

#include "opes/callout/log.hpp"

namespace opes::callout {

EngineHandler::EngineHandler(ocp::engine::Config config, TimePoint now) : engine_(std::move(config), now) {
  // RFC 4037 §11.1: each agent sends CS first; the server need not wait.
  (void)engine_.start();
}

void EngineHandler::receive(std::string_view bytes, TimePoint now) {
  engine_.receive(bytes, now);
  process_events();
}

void EngineHandler::receive_eof() {
  engine_.receive_eof();
  process_events();
}

void EngineHandler::on_timer(TimePoint now) {
  engine_.on_timer(now);
  process_events();
}

std::optional<TimePoint> EngineHandler::next_deadline() const { return engine_.next_deadline(); }

void EngineHandler::drain(TimePoint) {
  draining_ = true;
  process_events();
}

void EngineHandler::drain(TimePoint now, const std::string& reason) {
  drain_reason_ = reason;
  drain(now);
}

void EngineHandler::process_events() {
  while (auto event = engine_.next_event()) on_event(*event);
  if (draining_ && !engine_.closed() && engine_.transaction_count() == 0) {
    // RFC 4037 §11.2: CE announces the end; 200 says it is an orderly one.
    (void)engine_.close(ocp::Result{ocp::Result::kOk, drain_reason_, {}});
  }
}

void EngineHandler::on_event(ocp::engine::Event& event) {
  if (const auto* closed = std::get_if<ocp::engine::ConnectionClosed>(&event)) {
    // An orderly CE 200 (RFC 4037 §11.2) is routine: debug only.
    log(closed->result.code == ocp::Result::kOk ? LogLevel::debug : LogLevel::info,
        "ocp-connection-closed",
        {{"code", std::to_string(closed->result.code)},
         {"by", closed->closed_by == ocp::engine::Side::peer ? "peer" : "us"},
         {"reason", closed->result.reason.value_or("")}});
  }
}

}  // namespace opes::callout
