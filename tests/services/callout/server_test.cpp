// The Asio edge of opes-callout with the OCP engine behind it, over real
// sockets on 127.0.0.1: CS/NO answered, graceful drain, connection limit.

#include <doctest/doctest.h>

#include <boost/asio.hpp>

#include <thread>

#include "opes/callout/engine_handler.hpp"
#include "opes/callout/server.hpp"

namespace opes::callout {

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

ocp::engine::Config server_engine_config() {
  ocp::engine::Config config;
  config.role = ocp::engine::Role::callout_server;
  return config;
}

/// A running server on a free port, stopped and joined on destruction.
struct RunningServer {
  asio::io_context io;
  Server server{io, 4};
  std::thread thread;
  std::uint16_t port = 0;

  RunningServer() {
    server.set_handler_factory([](const PeerInfo&) {
      return std::make_unique<EngineHandler>(server_engine_config(), std::chrono::steady_clock::now());
    });
    auto listening = server.listen({Listener{"127.0.0.1", 0, std::nullopt}});
    REQUIRE(listening);
    port = server.bound_ports().at(0);
    thread = std::thread([this] { io.run(); });
  }
  ~RunningServer() {
    server.stop();
    if (thread.joinable()) thread.join();
  }
};

/// Reads until `wanted` octets arrived or the peer closed (2 s at most).
std::string read_some(tcp::socket& socket, std::size_t wanted) {
  std::string received;
  socket.non_blocking(false);
  struct timeval timeout{2, 0};
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  char buffer[4096];
  while (received.size() < wanted) {
    boost::system::error_code ec;
    const std::size_t n = socket.read_some(asio::buffer(buffer), ec);
    if (ec) break;
    received.append(buffer, n);
  }
  return received;
}

}  // namespace

TEST_CASE("the server answers CS and a NO with CS and NR over a real socket") {
  RunningServer running;
  asio::io_context client_io;
  tcp::socket socket(client_io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), running.port));
  asio::write(socket, asio::buffer(std::string_view("CS;\r\nNO ();\r\n")));
  CHECK(read_some(socket, 10) == "CS;\r\nNR;\r\n");
}

TEST_CASE("a first message that is not CS gets CE 400 and the connection is closed") {
  RunningServer running;
  asio::io_context client_io;
  tcp::socket socket(client_io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), running.port));
  asio::write(socket, asio::buffer(std::string_view("PQ;\r\n")));
  const std::string received = read_some(socket, 1000);
  CHECK(received.rfind("CS;\r\nCE {400 ", 0) == 0);
}

TEST_CASE("stopping the server ends idle connections with CE and lets the io_context finish") {
  auto running = std::make_unique<RunningServer>();
  asio::io_context client_io;
  tcp::socket socket(client_io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), running->port));
  asio::write(socket, asio::buffer(std::string_view("CS;\r\nNO ();\r\n")));
  CHECK(read_some(socket, 10) == "CS;\r\nNR;\r\n");
  running->server.stop();
  const std::string rest = read_some(socket, 1000);
  CHECK(rest == "CE {200 \"20:server shutting down\"};\r\n");
  running.reset();  // joins: the io_context ran out of work
}

TEST_CASE("renewing the connections ends each idle one with CE 200 and the reason, and keeps accepting") {
  RunningServer running;
  asio::io_context client_io;
  tcp::socket socket(client_io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), running.port));
  asio::write(socket, asio::buffer(std::string_view("CS;\r\nNO ();\r\n")));
  CHECK(read_some(socket, 10) == "CS;\r\nNR;\r\n");
  CHECK(running.server.renew_connections("configuration reloaded") == 1);
  CHECK(read_some(socket, 1000) == "CE {200 \"22:configuration reloaded\"};\r\n");
  // RFC 4037 §11.2: the connection is over; a new one is served as before.
  tcp::socket fresh(client_io);
  fresh.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), running.port));
  asio::write(fresh, asio::buffer(std::string_view("CS;\r\nNO ();\r\n")));
  CHECK(read_some(fresh, 10) == "CS;\r\nNR;\r\n");
}

}  // namespace opes::callout
