// RoutingDelivery (routing_delivery.hpp): one Delivery per destination of a
// session, opened when a recipient is first routed there, the transaction
// bound to the destination of its first accepted recipient.

#include "opes/proxy/routing_delivery.hpp"

#include "opes/proxy/hold_delivery.hpp"

#include <optional>
#include <vector>

namespace opes::proxy {

namespace {

class RoutingDelivery final : public Delivery {
 public:
  RoutingDelivery(const Routing& routing, DestinationOpener open, DeliveryCache* cache)
      : routing_(routing),
        open_(std::move(open)),
        cache_(cache),
        only_(routing.only_destination()),
        opened_(routing.destinations.size()),
        refusals_(routing.destinations.size()) {}

  // One destination (every route leads there): each call is that
  // destination's own, its awaitable handed back without a coroutine frame
  // of ours, so the routing costs nothing per command.

  asio::awaitable<Reply> mail(const smtp::PathArgument& reverse_path) override {
    if (only_) return opened(*only_).mail(reverse_path);
    return routed_mail(reverse_path);
  }

  asio::awaitable<Reply> rcpt(const smtp::PathArgument& forward_path) override {
    if (only_) return opened(*only_).rcpt(forward_path);
    return routed_rcpt(forward_path);
  }

  asio::awaitable<std::optional<Reply>> begin_data() override {
    if (only_) return opened(*only_).begin_data();
    return routed_begin_data();
  }

  asio::awaitable<void> write_data(std::string_view content) override {
    if (only_) return opened(*only_).write_data(content);
    return routed_write_data(content);
  }

  asio::awaitable<Reply> end_data() override {
    if (only_) return opened(*only_).end_data();
    return routed_end_data();
  }

  asio::awaitable<void> reset() override {
    if (only_) return opened(*only_).reset();
    return routed_reset();
  }

  void abort() override {
    if (only_) {
      opened(*only_).abort();
      return;
    }
    if (started_) opened_[*started_]->abort();
    forget();
  }

 private:
  // Several destinations.
  asio::awaitable<Reply> routed_mail(const smtp::PathArgument& reverse_path) {
    forget();
    reverse_path_ = reverse_path;
    // The destination is known at the first RCPT (Dovecot's submission
    // starts its backends' transactions there too).
    co_return Reply::line(250, "2.1.0 Ok");
  }

  asio::awaitable<Reply> routed_rcpt(const smtp::PathArgument& forward_path) {
    if (!reverse_path_) co_return Reply::line(503, "5.5.1 Error: need MAIL command");
    const std::size_t target = routing_.destination_for(forward_path.path);
    if (bound_ && *bound_ != target) {
      // RFC 5321 §4.5.3.1.10: 452 is "too many recipients", which a client
      // retries in a later transaction (RFC 3463 X.5.3); one message goes
      // to one destination, so its single reply after the final dot is true
      // for every recipient.
      co_return Reply::line(452, "4.5.3 <" + forward_path.path +
                                     ">: Recipient for another destination, send it in a new transaction");
    }
    if (started_ && *started_ != target) {
      // No recipient was accepted where the transaction started: it moves.
      Delivery& previous = *opened_[*started_];
      started_.reset();
      co_await previous.reset();
    }
    if (!started_) {
      // A refused MAIL is the reply of every recipient routed there (it is
      // not sent again in this transaction).
      if (refusals_[target]) co_return *refusals_[target];
      Reply mail = co_await start(target);
      if (!mail.is_positive()) {
        refusals_[target] = mail;
        co_return mail;
      }
    }
    Reply reply = co_await opened_[target]->rcpt(forward_path);
    if (reply.is_positive()) bound_ = target;
    co_return reply;
  }

  asio::awaitable<std::optional<Reply>> routed_begin_data() {
    if (!bound_) co_return Reply::line(554, "5.5.1 Error: no valid recipients");
    co_return co_await opened_[*bound_]->begin_data();
  }

  asio::awaitable<void> routed_write_data(std::string_view content) {
    if (bound_) co_await opened_[*bound_]->write_data(content);
  }

  asio::awaitable<Reply> routed_end_data() {
    if (!bound_) co_return Reply::line(554, "5.5.1 Error: no valid recipients");
    Delivery& destination = *opened_[*bound_];
    forget();
    co_return co_await destination.end_data();
  }

  asio::awaitable<void> routed_reset() {
    if (!started_) {
      forget();
      co_return;
    }
    Delivery& destination = *opened_[*started_];
    forget();
    co_await destination.reset();
  }


 public:
  asio::awaitable<void> quit() override {
    forget();
    for (std::size_t i = 0; i < opened_.size(); ++i) {
      std::unique_ptr<Delivery> delivery = std::move(opened_[i]);
      if (!delivery) continue;
      // An idle connection serves the thread's next session to the same
      // destination (no new TCP and EHLO per message); the others say QUIT.
      if (cache_) delivery = cache_->give(routing_.destinations[i].name, std::move(delivery));
      if (delivery) co_await delivery->quit();
    }
  }

  std::string describe() const override {
    const auto index = started_ ? started_ : only_;
    if (index && opened_[*index]) return opened_[*index]->describe();
    if (index) return "destination " + routing_.destinations[*index].name;
    return "routes to " + std::to_string(routing_.destinations.size()) + " destinations";
  }

  void set_client(const smtp::ForwardedClient& client) override {
    client_ = client;
    for (auto& delivery : opened_)
      if (delivery) delivery->set_client(client);
  }

  void set_origin(const queue::OriginFacts& origin) override {
    origin_ = origin;
    for (auto& delivery : opened_)
      if (delivery) delivery->set_origin(origin);
  }

  asio::awaitable<Reply> send_generated(const GeneratedMessage& message) override {
    // A transaction of its own per destination its recipients are routed
    // to, through the destination's send_generated() (the upstream one
    // pipelines MAIL, RCPT and DATA where offered). The reply: the first
    // refusal, else the last acceptance.
    forget();
    std::vector<GeneratedMessage> by_destination(opened_.size());
    for (const smtp::PathArgument& recipient : message.recipients) {
      const std::size_t target = only_ ? *only_ : routing_.destination_for(recipient.path);
      by_destination[target].recipients.push_back(recipient);
    }
    std::optional<Reply> result;
    for (std::size_t index = 0; index < by_destination.size(); ++index) {
      GeneratedMessage& part = by_destination[index];
      if (part.recipients.empty()) continue;
      part.reverse_path = message.reverse_path;
      part.content = message.content;
      Delivery& destination = opened(index);
      Reply reply = co_await destination.send_generated(part);
      if (!result || result->is_positive()) result = std::move(reply);
    }
    co_return result ? *result : Reply::line(554, "5.5.1 No recipients");
  }

 private:
  /// MAIL to the destination at `index`.
  asio::awaitable<Reply> start(std::size_t index) {
    Delivery& destination = opened(index);
    const smtp::PathArgument reverse_path = *reverse_path_;
    Reply reply = co_await destination.mail(reverse_path);
    if (reply.is_positive()) started_ = index;
    co_return reply;
  }

  /// The destination at `index`, opened (or taken from the cache) when this
  /// session has not used it yet.
  Delivery& opened(std::size_t index) {
    std::unique_ptr<Delivery>& slot = opened_[index];
    if (!slot) {
      if (cache_) slot = cache_->take(routing_.destinations[index].name);
      if (!slot) slot = open_(index);
      if (client_) slot->set_client(*client_);
      if (origin_) slot->set_origin(*origin_);
    }
    return *slot;
  }

  /// The transaction is over (its destinations stay open for the next).
  void forget() {
    reverse_path_.reset();
    started_.reset();
    bound_.reset();
    for (auto& refusal : refusals_) refusal.reset();
  }

  const Routing& routing_;
  DestinationOpener open_;
  DeliveryCache* cache_;
  std::optional<std::size_t> only_;  // every route leads there
  std::vector<std::unique_ptr<Delivery>> opened_;  // by destination index
  std::optional<smtp::ForwardedClient> client_;
  std::optional<queue::OriginFacts> origin_;
  // The transaction: its MAIL, where MAIL was accepted, where recipients were.
  std::optional<smtp::PathArgument> reverse_path_;
  std::optional<std::size_t> started_;
  std::optional<std::size_t> bound_;
  std::vector<std::optional<Reply>> refusals_;  // MAIL refused, by destination
};

}  // namespace

std::unique_ptr<Delivery> make_routing_delivery(const Routing& routing, DestinationOpener open,
                                                DeliveryCache* cache) {
  return std::make_unique<RoutingDelivery>(routing, std::move(open), cache);
}

std::unique_ptr<Delivery> make_destination_delivery(const Destination& destination, TlsContext tls,
                                                    std::string helo_name, queue::HoldStore* hold) {
  switch (destination.kind) {
    case DestinationKind::hold:
      if (hold) return make_hold_delivery(*hold);
      // Configured without a store: the daemon opens one whenever odmr is
      // set, so only a test gets here; the queue's own refusal says why.
      return make_spool_delivery(destination.spool);
    case DestinationKind::upstream:
      return make_upstream_delivery(destination.upstream, std::move(tls), std::move(helo_name));
    case DestinationKind::spool:
      return make_spool_delivery(destination.spool);
  }
  return nullptr;
}

}  // namespace opes::proxy
