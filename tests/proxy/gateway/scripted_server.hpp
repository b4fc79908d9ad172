#pragma once
// A scripted SMTP server for the gateway tests: per connection, the exact
// bytes it must receive and what it answers to each.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <string>
#include <vector>

namespace opes::proxy {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Turn {
  std::string expect;     // the client's bytes, exactly
  std::string answer;     // then the server's
  bool one_read = false;  // `expect` must arrive in one read (written at once: a pipelined group)
};

/// Accepts one connection, sends `greeting`, then plays `turns`; what it
/// received goes to `received` (a mismatch stops the script).
inline asio::awaitable<void> scripted_server(tcp::acceptor& acceptor, std::string greeting,
                                             std::vector<Turn> turns, std::string& received) {
  tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
  if (!greeting.empty()) co_await asio::async_write(socket, asio::buffer(greeting), asio::use_awaitable);
  for (const Turn& turn : turns) {
    std::string got(turn.expect.size(), '\0');
    if (turn.one_read) {
      got.resize(co_await socket.async_read_some(asio::buffer(got), asio::use_awaitable));
    } else {
      co_await asio::async_read(socket, asio::buffer(got), asio::use_awaitable);
    }
    received += got;
    if (got != turn.expect) co_return;
    co_await asio::async_write(socket, asio::buffer(turn.answer), asio::use_awaitable);
  }
  // Keep the connection open until the client is done.
  char octet = 0;
  boost::system::error_code ignored;
  co_await socket.async_read_some(asio::buffer(&octet, 1),
                                  asio::redirect_error(asio::use_awaitable, ignored));
}

}  // namespace opes::proxy
