#include "opes/transaction/generated_message.hpp"

namespace opes::proxy {

boost::asio::awaitable<ocp::smtp::Reply> send_generated(Delivery& delivery,
                                                        const GeneratedEnvelope& envelope,
                                                        const std::string& content) {
  ocp::smtp::Reply result = co_await delivery.mail(envelope.from);
  if (!result.is_positive()) co_return result;
  result = co_await delivery.rcpt(envelope.to);
  if (result.is_positive()) {
    if (auto refusal = co_await delivery.begin_data()) {
      result = *refusal;
    } else {
      co_await delivery.write_data(content);
      result = co_await delivery.end_data();
    }
  }
  if (!result.is_positive()) co_await delivery.reset();
  co_return result;
}

}  // namespace opes::proxy
