// RoutingDelivery over fake destinations: what each destination is sent,
// and what the client gets (routing_delivery.hpp).

#include <doctest/doctest.h>

#include <map>
#include <string>

#include "fake_delivery.hpp"
#include "opes/proxy/config.hpp"
#include "opes/proxy/delivery_cache.hpp"
#include "opes/proxy/routing_delivery.hpp"

namespace {

using namespace opes::proxy;
namespace smtp = opes::smtp;
using opes::proxy::testing::CallLog;
using opes::proxy::testing::FakeDelivery;
using opes::proxy::testing::run;

ProxyConfig load(std::string_view where_mail_goes) {
  const std::string text = std::string(R"({"listeners": [{"port": 0}], )") + std::string(where_mail_goes) +
                           R"(, "callout": {"servers": [{"address": "127.0.0.1"}],
      "service_groups": [{"name": "g", "services": [{"uri": "urn:x"}]}]}})";
  auto config = parse_config(text);
  REQUIRE(config.has_value());
  return std::move(*config);
}

constexpr std::string_view kTwoDestinations = R"(
  "destinations": {"mta": {"upstream": {"address": "127.0.0.1", "port": 2525, "starttls": "off"}},
                   "local": {"spool": "/tmp/opes-routing-test"}},
  "routes": [{"domains": ["example.org", ".example.org"], "destination": "local"},
             {"destination": "mta"}])";

/// Fakes per destination name, each open counted; the fakes may be
/// scripted before the first use through `script`.
struct Destinations {
  explicit Destinations(const Routing& routes) : routing(routes) {}
  const Routing& routing;
  CallLog log;
  std::map<std::string, int> opened;
  std::map<std::string, std::map<std::string, std::deque<Reply>>> script;

  DestinationOpener opener() {
    return [this](std::size_t index) {
      const std::string& name = routing.destinations[index].name;
      ++opened[name];
      auto fake = std::make_unique<FakeDelivery>(name, log);
      fake->replies = script[name];
      return std::unique_ptr<Delivery>(std::move(fake));
    };
  }
};

smtp::PathArgument path(std::string text) { return smtp::PathArgument{std::move(text), {}}; }

Reply mail(Delivery& delivery, std::string sender) {
  const smtp::PathArgument argument = path(std::move(sender));
  return run(delivery.mail(argument));
}
Reply rcpt(Delivery& delivery, std::string recipient) {
  const smtp::PathArgument argument = path(std::move(recipient));
  return run(delivery.rcpt(argument));
}
Reply send(Delivery& delivery, std::string content) {
  auto refused = run(delivery.begin_data());
  if (refused) return *refused;
  run(delivery.write_data(content));
  return run(delivery.end_data());
}

}  // namespace

TEST_CASE("one destination: MAIL goes to it at once and the client gets its own replies") {
  const ProxyConfig config = load(R"("spool": "/tmp/opes-routing-test")");
  Destinations destinations{config.routing};
  destinations.script["default"]["MAIL"] = {Reply::line(550, "5.1.8 Sender refused")};
  auto delivery = make_routing_delivery(config.routing, destinations.opener(), nullptr);
  CHECK(mail(*delivery, "a@example.net").wire() == "550 5.1.8 Sender refused\r\n");
  CHECK(mail(*delivery, "a@example.net").wire() == "250 2.0.0 Ok\r\n");
  CHECK(rcpt(*delivery, "b@anywhere.test").code == 250);
  CHECK(rcpt(*delivery, "postmaster").code == 250);
  CHECK(send(*delivery, "Subject: t\r\n\r\nx\r\n").code == 250);
  CHECK(destinations.log.text() ==
        "default: MAIL <a@example.net>\n"
        "default: MAIL <a@example.net>\n"
        "default: RCPT <b@anywhere.test>\n"
        "default: RCPT <postmaster>\n"
        "default: DATA\n"
        "default: WRITE Subject: t\r\n\r\nx\r\n\n"
        "default: END\n");
  CHECK(destinations.opened["default"] == 1);
}

TEST_CASE("two destinations: MAIL waits for the first RCPT, another destination's recipient gets 452 4.5.3") {
  const ProxyConfig config = load(kTwoDestinations);
  Destinations destinations{config.routing};
  auto delivery = make_routing_delivery(config.routing, destinations.opener(), nullptr);
  CHECK(mail(*delivery, "a@example.net").wire() == "250 2.1.0 Ok\r\n");
  CHECK(destinations.log.calls.empty());
  CHECK(rcpt(*delivery, "bob@Example.ORG").code == 250);
  CHECK(rcpt(*delivery, "carol@elsewhere.test").wire() ==
        "452 4.5.3 <carol@elsewhere.test>: Recipient for another destination, send it in a new transaction\r\n");
  CHECK(rcpt(*delivery, "dave@deep.sub.example.org").code == 250);
  CHECK(send(*delivery, "m\r\n").code == 250);
  // The later transaction takes the recipient left over.
  CHECK(mail(*delivery, "a@example.net").code == 250);
  CHECK(rcpt(*delivery, "carol@elsewhere.test").code == 250);
  CHECK(send(*delivery, "m\r\n").code == 250);
  CHECK(destinations.log.text() ==
        "local: MAIL <a@example.net>\n"
        "local: RCPT <bob@Example.ORG>\n"
        "local: RCPT <dave@deep.sub.example.org>\n"
        "local: DATA\n"
        "local: WRITE m\r\n\n"
        "local: END\n"
        "mta: MAIL <a@example.net>\n"
        "mta: RCPT <carol@elsewhere.test>\n"
        "mta: DATA\n"
        "mta: WRITE m\r\n\n"
        "mta: END\n");
}

TEST_CASE("a MAIL the destination refuses is the reply of each recipient routed there, sent once") {
  const ProxyConfig config = load(kTwoDestinations);
  Destinations destinations{config.routing};
  destinations.script["mta"]["MAIL"] = {Reply::line(451, "4.4.1 Upstream mail server unavailable, try again later")};
  auto delivery = make_routing_delivery(config.routing, destinations.opener(), nullptr);
  CHECK(mail(*delivery, "a@example.net").code == 250);
  CHECK(rcpt(*delivery, "x@one.test").wire() == "451 4.4.1 Upstream mail server unavailable, try again later\r\n");
  CHECK(rcpt(*delivery, "y@two.test").code == 451);
  // Not bound: a recipient of the other destination still goes through.
  CHECK(rcpt(*delivery, "bob@example.org").code == 250);
  CHECK(destinations.log.text() ==
        "mta: MAIL <a@example.net>\n"
        "local: MAIL <a@example.net>\n"
        "local: RCPT <bob@example.org>\n");
}

TEST_CASE("until a recipient is accepted the transaction moves: RSET where it began, MAIL at the next") {
  const ProxyConfig config = load(kTwoDestinations);
  Destinations destinations{config.routing};
  destinations.script["mta"]["RCPT"] = {Reply::line(550, "5.1.1 No such user")};
  auto delivery = make_routing_delivery(config.routing, destinations.opener(), nullptr);
  CHECK(mail(*delivery, "a@example.net").code == 250);
  CHECK(rcpt(*delivery, "nobody@elsewhere.test").code == 550);
  CHECK(rcpt(*delivery, "bob@example.org").code == 250);
  CHECK(rcpt(*delivery, "other@elsewhere.test").code == 452);
  run(delivery->reset());
  CHECK(destinations.log.text() ==
        "mta: MAIL <a@example.net>\n"
        "mta: RCPT <nobody@elsewhere.test>\n"
        "mta: RSET\n"
        "local: MAIL <a@example.net>\n"
        "local: RCPT <bob@example.org>\n"
        "local: RSET\n");
}

TEST_CASE("reset and abort reach only the destination the transaction started at") {
  const ProxyConfig config = load(kTwoDestinations);
  Destinations destinations{config.routing};
  auto delivery = make_routing_delivery(config.routing, destinations.opener(), nullptr);
  CHECK(mail(*delivery, "a@example.net").code == 250);
  run(delivery->reset());  // nothing started anywhere: nothing to say
  CHECK(destinations.log.calls.empty());
  CHECK(mail(*delivery, "a@example.net").code == 250);
  CHECK(rcpt(*delivery, "c@elsewhere.test").code == 250);
  CHECK(run(delivery->begin_data()) == std::nullopt);
  delivery->abort();
  CHECK(destinations.log.calls.back() == "mta: ABORT");
  // The next transaction is a new one: no 452 from the last one's binding.
  CHECK(mail(*delivery, "a@example.net").code == 250);
  CHECK(rcpt(*delivery, "bob@example.org").code == 250);
}

TEST_CASE("the client's identity reaches the destination before its MAIL") {
  const ProxyConfig config = load(kTwoDestinations);
  Destinations destinations{config.routing};
  auto delivery = make_routing_delivery(config.routing, destinations.opener(), nullptr);
  delivery->set_client(smtp::ForwardedClient{"192.0.2.7", 4321, "client.test", true, "T1"});
  CHECK(mail(*delivery, "a@example.net").code == 250);
  CHECK(rcpt(*delivery, "c@elsewhere.test").code == 250);
  CHECK(destinations.log.calls.front() == "mta: MAIL <a@example.net> client=192.0.2.7");
}

TEST_CASE("quit leaves each connection in the cache under its destination, never another's") {
  const ProxyConfig config = load(kTwoDestinations);
  Destinations destinations{config.routing};
  DeliveryCache cache;
  {
    auto first = make_routing_delivery(config.routing, destinations.opener(), &cache);
    CHECK(mail(*first, "a@example.net").code == 250);
    CHECK(rcpt(*first, "bob@example.org").code == 250);
    CHECK(send(*first, "m\r\n").code == 250);
    run(first->quit());
  }
  CHECK(cache.size() == 1);
  // A session for the other destination opens its own connection.
  auto second = make_routing_delivery(config.routing, destinations.opener(), &cache);
  CHECK(mail(*second, "a@example.net").code == 250);
  CHECK(rcpt(*second, "c@elsewhere.test").code == 250);
  CHECK(destinations.opened["mta"] == 1);
  CHECK(cache.size() == 1);
  // and one for the cached destination reuses it.
  CHECK(rcpt(*second, "bob@example.org").code == 452);
  run(second->reset());
  CHECK(mail(*second, "a@example.net").code == 250);
  CHECK(rcpt(*second, "bob@example.org").code == 250);
  CHECK(destinations.opened["local"] == 1);
  CHECK(cache.size() == 0);
  CHECK(destinations.log.text().find("local: REUSE\nlocal: MAIL") != std::string::npos);
  run(second->quit());
  CHECK(cache.size() == 2);
}

TEST_CASE("a generated message goes to each destination of its recipients as a transaction of its own") {
  const ProxyConfig config = load(kTwoDestinations);
  Destinations destinations{config.routing};
  destinations.script["mta"]["RCPT"] = {Reply::line(550, "5.1.1 No such user")};
  auto delivery = make_routing_delivery(config.routing, destinations.opener(), nullptr);
  const GeneratedMessage message{path(""), {path("bob@example.org"), path("carol@elsewhere.test")},
                                 "Subject: n\r\n\r\n"};
  const Reply reply = run(delivery->send_generated(message));
  CHECK(reply.wire() == "550 5.1.1 No such user\r\n");
  CHECK(destinations.log.text() ==
        "local: MAIL <>\n"
        "local: RCPT <bob@example.org>\n"
        "local: DATA\n"
        "local: WRITE Subject: n\r\n\r\n\n"
        "local: END\n"
        "mta: MAIL <>\n"
        "mta: RCPT <carol@elsewhere.test>\n"
        "mta: RSET\n");
}
