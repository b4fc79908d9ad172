#include "opes/transaction/generated_message.hpp"

namespace opes::proxy {

boost::asio::awaitable<ocp::smtp::Reply> send_generated(Delivery& delivery,
                                                        const GeneratedEnvelope& envelope,
                                                        const std::string& content) {
  // Delivery::send_generated() is the one MAIL/RCPT/DATA flow (pipelined
  // by the upstream delivery where the upstream offers it); named before
  // co_await (GCC 12 and temporaries in co_await expressions).
  const GeneratedMessage message{envelope.from, {envelope.to}, content};
  ocp::smtp::Reply result = co_await delivery.send_generated(message);
  co_return result;
}

}  // namespace opes::proxy
