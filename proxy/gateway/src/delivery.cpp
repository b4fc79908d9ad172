#include "opes/proxy/delivery.hpp"

namespace opes::proxy {

asio::awaitable<Reply> Delivery::send_generated(const GeneratedMessage& message) {
  Reply mail_reply = co_await mail(message.reverse_path);
  if (!mail_reply.is_positive()) co_return mail_reply;
  std::size_t accepted = 0;
  Reply refusal = Reply::line(554, "5.5.1 No recipients");
  for (const smtp::PathArgument& recipient : message.recipients) {
    Reply reply = co_await rcpt(recipient);
    if (reply.is_positive()) {
      ++accepted;
    } else {
      refusal = reply;
    }
  }
  if (accepted == 0) {
    co_await reset();
    co_return refusal;
  }
  if (std::optional<Reply> refused = co_await begin_data()) {
    co_await reset();
    co_return *refused;
  }
  co_await write_data(message.content);
  Reply end = co_await end_data();
  co_return end;
}

}  // namespace opes::proxy
