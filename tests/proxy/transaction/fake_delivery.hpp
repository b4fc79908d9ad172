#pragma once
// A Delivery for the transaction's unit tests: records each call as the
// SMTP command it stands for and answers from a script (2xx by default).

#include <optional>
#include <string>
#include <vector>

#include "opes/proxy/delivery.hpp"

namespace opes::proxy::testing {

class FakeDelivery final : public Delivery {
 public:
  Reply mail_reply = Reply::line(250, "2.1.0 Ok");
  Reply rcpt_reply = Reply::line(250, "2.1.5 Ok");
  std::optional<Reply> data_refusal;
  Reply end_reply = Reply::line(250, "2.0.0 Ok: queued as FAKE");

  std::vector<std::string> calls;     // "MAIL FROM:<a>", "RCPT TO:<b>", "DATA", "END", "RSET", ...
  std::vector<std::string> messages;  // the content of each DATA, whole
  std::vector<smtp::ForwardedClient> clients;

  asio::awaitable<Reply> mail(const smtp::PathArgument& reverse_path) override {
    calls.push_back("MAIL FROM:" + smtp::format_path_argument(reverse_path));
    co_return mail_reply;
  }
  asio::awaitable<Reply> rcpt(const smtp::PathArgument& forward_path) override {
    calls.push_back("RCPT TO:" + smtp::format_path_argument(forward_path));
    co_return rcpt_reply;
  }
  asio::awaitable<std::optional<Reply>> begin_data() override {
    calls.push_back("DATA");
    if (!data_refusal) messages.emplace_back();
    co_return data_refusal;
  }
  asio::awaitable<void> write_data(std::string_view content) override {
    messages.back() += content;
    co_return;
  }
  asio::awaitable<Reply> end_data() override {
    calls.push_back("END");
    co_return end_reply;
  }
  asio::awaitable<void> reset() override {
    calls.push_back("RSET");
    co_return;
  }
  void abort() override { calls.push_back("ABORT"); }
  asio::awaitable<void> quit() override {
    calls.push_back("QUIT");
    co_return;
  }
  std::string describe() const override { return "fake"; }
  void set_client(const smtp::ForwardedClient& client) override { clients.push_back(client); }
};

}  // namespace opes::proxy::testing
