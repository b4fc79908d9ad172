// The load generator's OCP processor against a scripted callout-server
// engine: negotiation, what it sends per transaction, and how it rebuilds
// each answer of the callout server's wire convention (DUY, As-is DUM,
// replacing DUMs, a rejecting DUM, Add-Header and Advice, TE 400).

#include "opes/loadgen/processor_session.hpp"

#include <doctest/doctest.h>

#include "ocp/engine/connection.hpp"
#include "ocp/smtp/dum_parameters.hpp"
#include "ocp/smtp/duy_parameters.hpp"
#include "ocp/smtp/profile_id.hpp"
#include "ocp/smtp/smtp_profile.hpp"

namespace opes::loadgen {

namespace {

namespace engine = ocp::engine;
using ocp::smtp::AmPart;

const TimePoint t0 = TimePoint{} + std::chrono::hours(1);

/// A callout server that accepts the receiver profile with `adaptive` parts.
engine::Connection scripted_server(std::vector<AmPart> adaptive) {
  engine::Config config;
  config.role = engine::Role::callout_server;
  config.on_offer = [adaptive](const engine::OfferContext&) {
    ocp::smtp::SmtpProfile profile;
    profile.direction = ocp::smtp::Direction::receiver;
    profile.adaptive_parts = adaptive;
    engine::OfferAnswer answer;
    answer.accepted = ocp::smtp::write_smtp_profile(profile);
    return answer;
  };
  engine::Connection server(config, t0);
  (void)server.start();
  return server;
}

std::string take(ProcessorSession& p) {
  std::string out(p.pending_output());
  p.consume_output(out.size());
  return out;
}

std::string take(engine::Connection& s) {
  std::string out(s.pending_output());
  s.consume_output(out.size());
  return out;
}

std::vector<engine::Event> events(engine::Connection& s) {
  std::vector<engine::Event> all;
  while (auto e = s.next_event()) all.push_back(std::move(*e));
  return all;
}

/// AM-Part plus what `adjust` adds (DumParameters has no defaults for
/// designated initializers to skip).
template <class Adjust>
ocp::Extensions dum_parameters(const AmPart& part, Adjust adjust) {
  ocp::smtp::DumParameters parameters;
  parameters.am_part = part;
  adjust(parameters);
  ocp::DataUseMine carrier{};
  ocp::smtp::write_dum_parameters(parameters, carrier);
  return carrier.extensions;
}

ocp::Extensions dum_parameters(const AmPart& part) {
  return dum_parameters(part, [](ocp::smtp::DumParameters&) {});
}

ocp::Extensions duy_with_header(std::string name, std::string body) {
  ocp::smtp::DuyParameters parameters;
  parameters.add_header.push_back({std::move(name), std::move(body)});
  ocp::DataUseYours carrier{};
  ocp::smtp::write_duy_parameters(parameters, carrier);
  return carrier.extensions;
}

/// A processor and a scripted server that negotiated and created SG 1.
struct Pair {
  ProcessorSession p;
  engine::Connection s;

  explicit Pair(std::vector<AmPart> adaptive, bool kept = false)
      : p(SessionSettings{.services = {"urn:test:svc"}, .kept = kept}, t0),
        s(scripted_server(std::move(adaptive))) {
    s.receive(take(p), t0);
    p.receive(take(s), t0);
    REQUIRE(p.ready());
    s.receive(take(p), t0);  // SGC
    events(s);
  }

  /// Sends one transaction and returns the server's events for it.
  std::vector<engine::Event> send(const TransactionInput& input) {
    REQUIRE_FALSE(p.start(input, 0, 0, t0));
    s.receive(take(p), t0);
    return events(s);
  }

  TransactionOutcome answer() {
    p.receive(take(s), t0);
    auto finished = p.take_finished();
    REQUIRE(finished.size() == 1);
    return finished.front();
  }
};

TransactionInput small_input(std::string rawdata = "Subject: hi\r\n\r\nHello\r\n") {
  TransactionInput input;
  input.rawdata = std::move(rawdata);
  return input;
}

}  // namespace

TEST_CASE("the processor offers the receiver profile and sends only the negotiated parts") {
  ProcessorSession p(SessionSettings{.services = {"urn:test:svc"}}, t0);
  const std::string opening = take(p);
  CHECK(opening.rfind("CS;\r\nNO ({\"38:http://iana.org/opes/ocp/SMTP/receiver\"", 0) == 0);
  CHECK(opening.find("Adaptive-Parts: (MAIL,RCPT,RAWDATA)") != std::string::npos);

  Pair x({AmPart::rawdata});
  auto received = x.send(small_input());
  std::size_t dums = 0;
  for (const auto& event : received) {
    if (auto* data = std::get_if<engine::DataReceived>(&event)) {
      ++dums;
      const auto* part = data->extensions.find("AM-Part");
      REQUIRE(part);
      CHECK(data->payload.view() == "Subject: hi\r\n\r\nHello\r\n");
      CHECK(data->extensions.find("Allow"));
    }
  }
  CHECK(dums == 1);  // MAIL and RCPT were not negotiated: not sent
}

TEST_CASE("an NR accepting a part the processor did not offer closes the connection") {
  ProcessorSession p(SessionSettings{.services = {"urn:test:svc"}}, t0);
  auto s = scripted_server({AmPart::rawdata, AmPart::body});
  s.receive(take(p), t0);
  p.receive(take(s), t0);
  CHECK_FALSE(p.ready());
  CHECK(p.failure().find("BODY") != std::string::npos);
  CHECK(take(p).find("CE {400") != std::string::npos);
}

TEST_CASE("a DUY with Add-Header gives the original content back with the header") {
  Pair x({AmPart::rawdata}, /*kept=*/true);
  auto received = x.send(small_input());
  auto data = std::get<engine::DataReceived>(received.at(2));
  REQUIRE(data.kept);
  CHECK(data.kept->size == 22u);
  const ocp::Xid xid{1};
  REQUIRE(x.s.start_application_message(xid));
  REQUIRE(x.s.use_yours(xid, 0, 22, duy_with_header("X-Scanned-By", " test")));
  REQUIRE(x.s.end_application_message(xid));
  REQUIRE(x.s.end_transaction(xid));
  const TransactionOutcome outcome = x.answer();
  CHECK(outcome.succeeded());
  REQUIRE(outcome.parts.size() == 1);
  CHECK(outcome.parts[0].unchanged());
  CHECK(outcome.parts[0].octets_by_reference == 22);
  REQUIRE(outcome.parts[0].added_headers.size() == 1);
  CHECK(outcome.parts[0].added_headers[0].text() == "X-Scanned-By: test");
}

TEST_CASE("an As-is DUM counts as unchanged content and a rejecting DUM carries the reply") {
  Pair x({AmPart::mail, AmPart::rcpt, AmPart::rawdata});
  TransactionInput input = small_input();
  input.recipients = {"<b@example.org>", "<c@example.org>"};
  x.send(input);
  const ocp::Xid xid{1};
  REQUIRE(x.s.start_application_message(xid));
  engine::DataOptions mail;
  mail.as_is = 0;
  mail.extensions = dum_parameters(AmPart::mail);
  REQUIRE(x.s.send_data(xid, ocp::SharedBytes::copy_of("<a@example.org>"), mail));
  engine::DataOptions first_rcpt;
  first_rcpt.extensions = dum_parameters(AmPart::rcpt);
  REQUIRE(x.s.send_data(xid, ocp::SharedBytes::copy_of("<x@example.org>"), first_rcpt));
  engine::DataOptions second_rcpt;
  second_rcpt.extensions = dum_parameters(AmPart::rcpt, [](auto& p) {
    p.smtp_error = ocp::smtp::Reply{550, {"5.1.1 no such user"}};
  });
  REQUIRE(x.s.send_data(xid, ocp::SharedBytes{}, second_rcpt));
  engine::DataOptions content;
  content.extensions =
      dum_parameters(AmPart::rawdata, [](auto& p) { p.advice = ocp::smtp::Advice::quarantine; });
  REQUIRE(x.s.send_data(xid, ocp::SharedBytes::copy_of("Subject: hi\r\n"), content));
  content.extensions = dum_parameters(AmPart::rawdata);
  REQUIRE(x.s.send_data(xid, ocp::SharedBytes::copy_of("\r\nBye\r\n"), content));
  REQUIRE(x.s.end_application_message(xid));
  REQUIRE(x.s.end_transaction(xid));

  const TransactionOutcome outcome = x.answer();
  CHECK(outcome.problems.empty());
  REQUIRE(outcome.parts.size() == 4);
  CHECK(outcome.parts[0].unchanged());
  CHECK(outcome.parts[0].octets_as_is == 15);
  CHECK(outcome.parts[1].content == "<x@example.org>");
  CHECK_FALSE(outcome.parts[1].reply);
  REQUIRE(outcome.parts[2].reply);
  CHECK(outcome.parts[2].reply->text() == "550 5.1.1 no such user");
  CHECK(outcome.parts[3].content == "Subject: hi\r\n\r\nBye\r\n");
  CHECK(outcome.parts[3].advice == ocp::smtp::Advice::quarantine);
  CHECK(outcome.parts[3].octets_replaced == 20);
}

TEST_CASE("a TE 400 from the server ends only that transaction") {
  Pair x({AmPart::rawdata});
  x.send(small_input());
  REQUIRE(x.s.end_transaction(ocp::Xid{1}, ocp::Result::failure("service failed")));
  const TransactionOutcome failed = x.answer();
  CHECK(failed.ended_by_server);
  CHECK(failed.end.code == 400);
  CHECK_FALSE(failed.succeeded());
  CHECK(x.p.ready());
  x.send(small_input());
  const ocp::Xid second{2};
  REQUIRE(x.s.start_application_message(second));
  engine::DataOptions same;
  same.as_is = 0;
  same.extensions = dum_parameters(AmPart::rawdata);
  REQUIRE(x.s.send_data(second, ocp::SharedBytes::copy_of(small_input().rawdata), same));
  REQUIRE(x.s.end_application_message(second));
  REQUIRE(x.s.end_transaction(second));
  CHECK(x.answer().succeeded());
}

TEST_CASE("an answer for a part that was not sent is reported as a problem") {
  Pair x({AmPart::rawdata});
  x.send(small_input());
  const ocp::Xid xid{1};
  REQUIRE(x.s.start_application_message(xid));
  engine::DataOptions stray;
  stray.extensions = dum_parameters(AmPart::rcpt);
  REQUIRE(x.s.send_data(xid, ocp::SharedBytes::copy_of("<z@example.org>"), stray));
  REQUIRE(x.s.end_transaction(xid));
  const TransactionOutcome outcome = x.answer();
  CHECK_FALSE(outcome.succeeded());
  REQUIRE(outcome.problems.size() == 1);
  CHECK(outcome.problems[0].find("RCPT") != std::string::npos);
}

TEST_CASE("the connection lost with a transaction open fails that transaction") {
  Pair x({AmPart::rawdata});
  x.send(small_input());
  x.p.receive_eof(t0);
  auto finished = x.p.take_finished();
  REQUIRE(finished.size() == 1);
  CHECK_FALSE(finished[0].ended_by_server);
  CHECK_FALSE(x.p.failure().empty());
}

}  // namespace opes::loadgen
