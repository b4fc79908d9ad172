#pragma once
// A Delivery that records each call ("mta: MAIL <a@x>") and answers with
// scripted replies, for the tests of RoutingDelivery and DeliveryCache.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "opes/proxy/delivery.hpp"

namespace opes::proxy::testing {

struct CallLog {
  std::vector<std::string> calls;
  std::string text() const {
    std::string all;
    for (const auto& call : calls) all += call + "\n";
    return all;
  }
};

class FakeDelivery final : public Delivery {
 public:
  FakeDelivery(std::string name, CallLog& log) : name_(std::move(name)), log_(log) {}

  /// Replies to give, in order, per verb ("MAIL", "RCPT", "DATA", "END");
  /// 250 when none is queued.
  std::map<std::string, std::deque<Reply>> replies;
  bool connected = true;  // reusable() while true

  asio::awaitable<Reply> mail(const smtp::PathArgument& reverse_path) override {
    note("MAIL <" + reverse_path.path + ">" + (client_ ? " client=" + client_->address : ""));
    co_return next("MAIL");
  }
  asio::awaitable<Reply> rcpt(const smtp::PathArgument& forward_path) override {
    note("RCPT <" + forward_path.path + ">");
    co_return next("RCPT");
  }
  asio::awaitable<std::optional<Reply>> begin_data() override {
    note("DATA");
    Reply reply = next("DATA");
    if (reply.code == 250) co_return std::nullopt;
    co_return reply;
  }
  asio::awaitable<void> write_data(std::string_view content) override {
    note("WRITE " + std::string(content));
    co_return;
  }
  asio::awaitable<Reply> end_data() override {
    note("END");
    co_return next("END");
  }
  asio::awaitable<void> reset() override {
    note("RSET");
    co_return;
  }
  void abort() override {
    note("ABORT");
    connected = false;
  }
  asio::awaitable<void> quit() override {
    note("QUIT");
    co_return;
  }
  std::string describe() const override { return "fake " + name_; }
  bool reusable() const override { return connected; }
  void prepare_reuse() override { note("REUSE"); }
  void set_client(const smtp::ForwardedClient& client) override { client_ = client; }

 private:
  void note(std::string call) { log_.calls.push_back(name_ + ": " + std::move(call)); }
  Reply next(const std::string& verb) {
    auto& queued = replies[verb];
    if (queued.empty()) return Reply::line(250, "2.0.0 Ok");
    Reply reply = queued.front();
    queued.pop_front();
    return reply;
  }

  std::string name_;
  CallLog& log_;
  std::optional<smtp::ForwardedClient> client_;
};

/// Runs one coroutine to its end on a fresh io_context.
template <class T>
T run(asio::awaitable<T> task) {
  asio::io_context context;
  std::optional<T> result;
  std::exception_ptr failure;
  asio::co_spawn(context, std::move(task), [&](std::exception_ptr e, T value) {
    failure = e;
    if (!e) result = std::move(value);
  });
  context.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

inline void run(asio::awaitable<void> task) {
  asio::io_context context;
  std::exception_ptr failure;
  asio::co_spawn(context, std::move(task), [&](std::exception_ptr e) { failure = e; });
  context.run();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace opes::proxy::testing
