#include "opes/proxy/hold_delivery.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "opes/support/log.hpp"

namespace opes::proxy {

namespace {

using support::log;
using support::LogLevel;

class HoldDelivery final : public Delivery {
 public:
  explicit HoldDelivery(queue::HoldStore& store) : store_(store) {}

  asio::awaitable<Reply> mail(const smtp::PathArgument& reverse_path) override {
    abort();
    message_ = {};
    message_.sender = reverse_path.path;
    message_.sender_dsn = dsn_parameters(reverse_path);
    message_.origin = origin_;
    message_.transaction = client_.ident;
    co_return Reply::line(250, "2.1.0 Ok");
  }

  asio::awaitable<Reply> rcpt(const smtp::PathArgument& forward_path) override {
    // The routing sent only customer-domain recipients here; the store
    // checks each has a domain.
    message_.recipients.push_back({forward_path.path, dsn_parameters(forward_path)});
    co_return Reply::line(250, "2.1.5 Ok");
  }

  asio::awaitable<std::optional<Reply>> begin_data() override {
    message_.received = queue::Clock::now();
    auto writer = store_.begin(message_);
    if (!writer) co_return failure(writer.error());
    writer_ = std::move(*writer);
    write_failure_.reset();
    co_return std::nullopt;
  }

  asio::awaitable<void> write_data(std::string_view content) override {
    if (!writer_ || write_failure_) co_return;
    if (auto written = writer_->write(content); !written) write_failure_ = written.error();
    co_return;
  }

  asio::awaitable<Reply> end_data() override {
    if (!writer_) co_return failure("no message was started");
    if (write_failure_) {
      abort();
      co_return failure(*write_failure_);
    }
    std::unique_ptr<queue::HoldWriter> writer = std::move(writer_);
    queue::EnqueueResult held = co_await commit_held(std::move(writer));
    if (!held) co_return failure(held.error());
    std::string ids;
    for (const std::string& id : *held) ids += (ids.empty() ? "" : " ") + id;
    log(LogLevel::info, "odmr.held",
        {{"transaction", client_.ident}, {"entries", ids},
         {"recipients", std::to_string(message_.recipients.size())}});
    co_return Reply::line(250, "2.0.0 Ok: held for ODMR as " + ids);
  }

  asio::awaitable<void> reset() override {
    abort();
    message_ = {};
    co_return;
  }

  void abort() override { writer_.reset(); }

  asio::awaitable<void> quit() override {
    abort();
    co_return;
  }

  std::string describe() const override { return store_.describe(); }

  void set_client(const smtp::ForwardedClient& client) override { client_ = client; }
  void set_origin(const queue::OriginFacts& origin) override { origin_ = origin; }

 private:
  Reply failure(const std::string& cause) {
    log(LogLevel::error, "odmr.hold_failed",
        {{"transaction", client_.ident}, {"queue", store_.describe()}, {"cause", cause}});
    return Reply::line(451, "4.3.0 Cannot hold the message now, try again later");
  }

  queue::HoldStore& store_;
  smtp::ForwardedClient client_;
  queue::OriginFacts origin_;
  queue::HeldMessage message_;
  std::unique_ptr<queue::HoldWriter> writer_;
  std::optional<std::string> write_failure_;
};

}  // namespace

std::unique_ptr<Delivery> make_hold_delivery(queue::HoldStore& store) {
  return std::make_unique<HoldDelivery>(store);
}

asio::awaitable<queue::EnqueueResult> commit_held(std::unique_ptr<queue::HoldWriter> writer) {
  auto executor = co_await asio::this_coro::executor;
  auto initiate = [&writer, executor](auto handler) {
    // std::function needs a copyable callable; the handler is move-only.
    using Handler = decltype(handler);
    auto shared = std::make_shared<Handler>(std::move(handler));
    // The io_context must not run out of work while the store's thread
    // holds the only reference to this wait.
    auto work = std::make_shared<asio::executor_work_guard<decltype(executor)>>(executor);
    writer->commit([shared, work](queue::EnqueueResult result) {
      auto target = asio::get_associated_executor(*shared, work->get_executor());
      asio::post(target, [shared, work, result = std::move(result)]() mutable {
        (*shared)(std::move(result));
        work->reset();
      });
    });
    writer.reset();
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>, void(queue::EnqueueResult)>(
      initiate, asio::use_awaitable);
}

}  // namespace opes::proxy
