// The callout server's dispatch, driven with bytes: negotiation from the
// services' needs, service groups, and transactions through chains of
// services with every kind of answer (RFC 4037, draft-ietf-opes-smtp-00 §3).

#include <doctest/doctest.h>

#include "dispatch_harness.hpp"

namespace opes::callout {

namespace {

using testing::DispatchHarness;

std::string quoted(std::string_view text) { return "\"" + std::to_string(text.size()) + ":" + std::string(text) + "\""; }
/// `DUM xid offset` with named parameters (each "Name: value") and a payload.
std::string dum(unsigned xid, unsigned offset, std::initializer_list<std::string_view> named, std::string_view data) {
  std::string message = "DUM " + std::to_string(xid) + " " + std::to_string(offset) + "\r\n";
  for (std::string_view parameter : named) message += std::string(parameter) + "\r\n";
  return message + "\r\n" + std::to_string(data.size()) + ":" + std::string(data) + "\r\n;\r\n";
}

constexpr std::string_view kAllowAll = "Allow: (SMTP-Error,Advice,Add-Header)";

std::string config_json() {
  return std::string(R"({"listeners": [{"port": 0}],
    "plugins": [{"name": "stamp", "path": ")") + OPES_HEADER_STAMP_SO + R"("},
                {"name": "filter", "path": ")" + OPES_CONTENT_FILTER_SO + R"("},
                {"name": "throwing", "path": ")" + OPES_THROWING_SO + R"("}],
    "services": [
      {"name": "content-filter", "uri": "urn:opes-smtp:service:content-filter", "plugin": "filter",
       "options": {"patterns": ["forbidden words"], "reply": "550 5.7.1 Message content rejected"}},
      {"name": "header-stamp", "uri": "urn:opes-smtp:service:header-stamp", "plugin": "stamp",
       "options": {"name": "X-Scanned-By", "value": "OPES-SMTP test"}},
      {"name": "throwing", "uri": "urn:test:throwing", "plugin": "throwing"},
      {"name": "throwing-2", "uri": "urn:test:throwing-2", "plugin": "throwing", "service": "throwing"},
      {"name": "sender-only", "uri": "urn:test:sender-only", "plugin": "stamp", "service": "header-stamp",
       "options": {"name": "X-Out", "value": "yes"}}],
    "profiles": {"receiver": ["content-filter", "header-stamp", "throwing", "throwing-2"],
                 "sender": ["sender-only"]}})";
}

const std::string kReceiverOffer =
    "NO ({" + quoted("http://iana.org/opes/ocp/SMTP/receiver") +
    "\r\nAdaptive-Parts: (MAIL,RCPT,RAWDATA)\r\nInformative-Parts: (HELO)\r\n});\r\n";

// What the receiver services of config_json() need of that offer.
const std::string kReceiverAnswer =
    "NR {" + quoted("http://iana.org/opes/ocp/SMTP/receiver") +
    "\r\nAdaptive-Parts: (MAIL,RCPT,RAWDATA)\r\nInformative-Parts: (HELO)\r\n};\r\n";

constexpr std::string_view kFilter = "urn:opes-smtp:service:content-filter";
constexpr std::string_view kStamp = "urn:opes-smtp:service:header-stamp";
constexpr std::string_view kThrowing = "urn:test:throwing";
constexpr std::string_view kThrowing2 = "urn:test:throwing-2";
const std::string kStampHeader = "Add-Header: " + quoted("X-Scanned-By: OPES-SMTP test") + "\r\n";

/// CS, the receiver profile negotiated, and SG 1 bound to `uris`.
DispatchHarness negotiated(std::initializer_list<std::string_view> uris) {
  static auto catalog = testing::catalog_from(config_json());
  DispatchHarness harness(catalog);
  std::string services;
  for (std::string_view uri : uris) services += (services.empty() ? "" : ",") + std::string("{") + quoted(uri) + "}";
  CHECK(harness.exchange("CS;\r\n" + kReceiverOffer + "SGC 1 (" + services + ");\r\n") == kReceiverAnswer);
  return harness;
}

}  // namespace

TEST_CASE("a clean message through content-filter then header-stamp: echoed As-is with the stamp") {
  auto h = negotiated({kFilter, kStamp});
  CHECK(h.exchange("TS 1 1;\r\nAMS 1;\r\n") == "AMS 1;\r\n");
  // MAIL is adaptive in the profile (another service adapts it): answered at once, unchanged.
  CHECK(h.exchange(dum(1, 0, {"AM-Part: MAIL", kAllowAll}, "<a@example.org>")) ==
        "DUM 1 0\r\nAs-is: 0\r\nAM-Part: MAIL\r\n\r\n15:<a@example.org>\r\n;\r\n");
  // Content is answered only at the end of the message.
  CHECK(h.exchange(dum(1, 15, {"AM-Part: RAWDATA", kAllowAll}, "Subject: hi\r\n\r\n")) == "");
  CHECK(h.exchange(dum(1, 30, {"AM-Part: RAWDATA", kAllowAll}, "body\r\n")) == "");
  CHECK(h.exchange("AME 1;\r\n") ==
        "DUM 1 15\r\nAs-is: 15\r\nAM-Part: RAWDATA\r\n" + kStampHeader +
            "\r\n21:Subject: hi\r\n\r\nbody\r\n\r\n;\r\nAME 1;\r\nTE 1;\r\n");
}

TEST_CASE("an unchanged part the processor kept comes back as a DUY carrying Add-Header") {
  auto h = negotiated({kFilter, kStamp});
  CHECK(h.exchange("TS 1 1;\r\nAMS 1;\r\n" +
                   dum(1, 0, {"AM-Part: RAWDATA", kAllowAll, "Kept: 0 22"}, "Subject: hi\r\n\r\nclean\r\n") +
                   "AME 1;\r\n") ==
        "AMS 1;\r\nDUY 1 0 22\r\n" + kStampHeader + ";\r\nAME 1;\r\nTE 1;\r\n");
}

TEST_CASE("content-filter rejects with its reply on RAWDATA, and header-stamp after it does not run") {
  auto h = negotiated({kFilter, kStamp});
  CHECK(h.exchange("TS 1 1;\r\nAMS 1;\r\n" +
                   dum(1, 0, {"AM-Part: RAWDATA", kAllowAll}, "Subject: hi\r\n\r\nsome forbidden words\r\n") +
                   "AME 1;\r\n") ==
        "AMS 1;\r\nDUM 1 0\r\nAM-Part: RAWDATA\r\nSMTP-Error: " + quoted("550 5.7.1 Message content rejected") +
            "\r\nAM-OPT: ({service content-filter})\r\n\r\n0:\r\n;\r\nAME 1;\r\nTE 1;\r\n");
}

TEST_CASE("a pattern split across two DUMs is still found") {
  auto h = negotiated({kFilter});
  h.exchange("TS 1 1;\r\nAMS 1;\r\n" + dum(1, 0, {"AM-Part: RAWDATA", kAllowAll}, "Subject: x\r\n\r\nforbid"));
  CHECK(h.exchange(dum(1, 20, {"AM-Part: RAWDATA", kAllowAll}, "den words\r\n") + "AME 1;\r\n") ==
        "DUM 1 0\r\nAM-Part: RAWDATA\r\nSMTP-Error: " + quoted("550 5.7.1 Message content rejected") +
            "\r\nAM-OPT: ({service content-filter})\r\n\r\n0:\r\n;\r\nAME 1;\r\nTE 1;\r\n");
}

TEST_CASE("command parts are answered before the message ends: a changed MAIL, a rejected RCPT") {
  auto h = negotiated({kThrowing});
  h.exchange("TS 1 1;\r\nAMS 1;\r\n");
  CHECK(h.exchange(dum(1, 0, {"AM-Part: MAIL", kAllowAll}, "replace:<b@example.org>")) ==
        "DUM 1 0\r\nAM-Part: MAIL\r\n\r\n15:<b@example.org>\r\n;\r\n");
  CHECK(h.exchange(dum(1, 23, {"AM-Part: RCPT", kAllowAll}, "reject:550 5.1.1 no such user")) ==
        "DUM 1 15\r\nAM-Part: RCPT\r\nSMTP-Error: " + quoted("550 5.1.1 no such user") +
            "\r\nAM-OPT: ({service throwing})\r\n\r\n0:\r\n;\r\n");
  CHECK(h.exchange(dum(1, 52, {"AM-Part: RCPT", kAllowAll}, "<c@example.org>")) ==
        "DUM 1 15\r\nAs-is: 52\r\nAM-Part: RCPT\r\n\r\n15:<c@example.org>\r\n;\r\n");
}

TEST_CASE("informative parts reach the service but get no answer") {
  auto h = negotiated({kThrowing});
  CHECK(h.exchange("TS 1 1;\r\nAMS 1;\r\n" + dum(1, 0, {"AM-Part: HELO"}, "client.example.org")) == "AMS 1;\r\n");
  // A service that answers an informative part is refused by the host: its transaction fails.
  CHECK(h.exchange(dum(1, 18, {"AM-Part: MAIL", kAllowAll}, "answer-helo")).starts_with("TE 1 {400 "));
}

TEST_CASE("services run in the group's order, each seeing what the one before made of a part") {
  auto h = negotiated({kThrowing, kThrowing2});
  h.exchange("TS 1 1;\r\nAMS 1;\r\n");
  // A command part goes through the whole chain at once.
  CHECK(h.exchange(dum(1, 0, {"AM-Part: MAIL", kAllowAll}, "replace:replace:<x@example.org>")) ==
        "DUM 1 0\r\nAM-Part: MAIL\r\n\r\n15:<x@example.org>\r\n;\r\n");
  // Content reaches the second service as the first one changed it.
  CHECK(h.exchange(dum(1, 31, {"AM-Part: RAWDATA", kAllowAll}, "replace:reject:550 5.7.1 second says no") +
                   "AME 1;\r\n") ==
        "DUM 1 15\r\nAM-Part: RAWDATA\r\nSMTP-Error: " + quoted("550 5.7.1 second says no") +
            "\r\nAM-OPT: ({service throwing-2})\r\n\r\n0:\r\n;\r\nAME 1;\r\nTE 1;\r\n");
}

TEST_CASE("header fields and advice of several services ride on the part's answer") {
  auto h = negotiated({kThrowing, kStamp});
  CHECK(h.exchange("TS 1 1;\r\nAMS 1;\r\n" + dum(1, 0, {"AM-Part: RAWDATA", kAllowAll}, "header:X-First: 1") +
                   "AME 1;\r\n") ==
        "AMS 1;\r\nDUM 1 0\r\nAs-is: 0\r\nAM-Part: RAWDATA\r\nAdd-Header: " +
            quoted("X-First: 1\r\nX-Scanned-By: OPES-SMTP test") +
            "\r\n\r\n17:header:X-First: 1\r\n;\r\nAME 1;\r\nTE 1;\r\n");
  CHECK(h.exchange("TS 2 1;\r\nAMS 2;\r\n" + dum(2, 0, {"AM-Part: RAWDATA", kAllowAll}, "quarantine") +
                   "AME 2;\r\n") ==
        "AMS 2;\r\nDUM 2 0\r\nAs-is: 0\r\nAM-Part: RAWDATA\r\nAdvice: Quarantine\r\n" + kStampHeader +
            "\r\n10:quarantine\r\n;\r\nAME 2;\r\nTE 2;\r\n");
}

TEST_CASE("without Add-Header in Allow the stamp is left out and the message passes") {
  auto h = negotiated({kStamp});
  CHECK(h.exchange("TS 1 1;\r\nAMS 1;\r\n" + dum(1, 0, {"AM-Part: RAWDATA", "Allow: (SMTP-Error)"}, "x\r\n") +
                   "AME 1;\r\n") ==
        "AMS 1;\r\nDUM 1 0\r\nAs-is: 0\r\nAM-Part: RAWDATA\r\n\r\n3:x\r\n\r\n;\r\nAME 1;\r\nTE 1;\r\n");
}

TEST_CASE("a throwing service fails only its transaction, and the next one on the connection succeeds") {
  auto h = negotiated({kThrowing});
  const std::string failed = h.exchange("TS 1 1;\r\nAMS 1;\r\n" + dum(1, 0, {"AM-Part: RCPT", kAllowAll}, "throw"));
  CHECK(failed.starts_with("AMS 1;\r\nTE 1 {400 "));
  CHECK(failed.find("service throwing") != std::string::npos);
  CHECK(failed.find("service threw on purpose") != std::string::npos);
  CHECK(h.exchange("TS 2 1;\r\nAMS 2;\r\n" + dum(2, 0, {"AM-Part: RCPT", kAllowAll}, "<d@example.org>") +
                   "AME 2;\r\n") ==
        "AMS 2;\r\nDUM 2 0\r\nAs-is: 0\r\nAM-Part: RCPT\r\n\r\n15:<d@example.org>\r\n;\r\nAME 2;\r\nTE 2;\r\n");
}

TEST_CASE("SGC naming a service this server does not have closes the connection with CE 400") {
  static auto catalog = testing::catalog_from(config_json());
  DispatchHarness h(catalog);
  CHECK(h.exchange("CS;\r\nSGC 1 ({" + quoted("urn:nobody:here") + "});\r\n") ==
        "CE {400 " + quoted("SGC 1: no service urn:nobody:here here") + "};\r\n");
  CHECK(h.finished());
}

TEST_CASE("a service not listed for the negotiated profile refuses the transaction") {
  static auto catalog = testing::catalog_from(config_json());
  DispatchHarness h(catalog);
  const std::string offer = "NO ({" + quoted("http://iana.org/opes/ocp/SMTP/sender") +
                            "\r\nAdaptive-Parts: (RAWDATA)\r\n});\r\n";
  CHECK(h.exchange("CS;\r\n" + offer + "SGC 1 ({" + quoted(kFilter) + "});\r\n") ==
        "NR {" + quoted("http://iana.org/opes/ocp/SMTP/sender") + "\r\nAdaptive-Parts: (RAWDATA)\r\n};\r\n");
  CHECK(h.exchange("TS 1 1;\r\n") ==
        "TE 1 {400 " + quoted("service content-filter does not run for the sender profile") + "};\r\n");
}

TEST_CASE("DUM rule violations end the transaction with TE 400 naming the rule") {
  auto h = negotiated({kStamp});
  SUBCASE("no AM-Part") {
    CHECK(h.exchange("TS 1 1;\r\nAMS 1;\r\n" + dum(1, 0, {kAllowAll}, "x")) ==
          "AMS 1;\r\nTE 1 {400 " + quoted("smtp §3.3.1: a DUM of an SMTP profile transaction must carry AM-Part") + "};\r\n");
  }
  SUBCASE("MAIL after RCPT") {
    h.exchange("TS 1 1;\r\nAMS 1;\r\n" + dum(1, 0, {"AM-Part: RCPT", kAllowAll}, "<a@b>"));
    CHECK(h.exchange(dum(1, 5, {"AM-Part: MAIL", kAllowAll}, "<c@d>")) ==
          "TE 1 {400 " + quoted("smtp §3.2.1: MAIL after RCPT is out of SMTP order (RFC 2821 §4.1.4)") + "};\r\n");
  }
  SUBCASE("SMTP-Error from the processor") {
    CHECK(h.exchange("TS 1 1;\r\nAMS 1;\r\n" +
                     dum(1, 0, {"AM-Part: MAIL", "SMTP-Error: \"9:550 no no\""}, "<a@b>")) ==
          "AMS 1;\r\nTE 1 {400 " + quoted("smtp §3.3.3: the processor must not send SMTP-Error") + "};\r\n");
  }
}

TEST_CASE("a message larger than limits.max_buffered_part is refused with 552 5.3.4, not the server") {
  std::string json = config_json();
  json.insert(json.rfind('}'), R"(, "limits": {"max_buffered_part": 1024})");
  DispatchHarness h(testing::catalog_from(json));
  h.exchange("CS;\r\n" + kReceiverOffer + "SGC 1 ({" + quoted(kStamp) + "});\r\n");
  constexpr std::string_view refusal = "552 5.3.4 Message too big for content adaptation (max_buffered_part 1024 octets)";

  SUBCASE("Allow lists SMTP-Error: the content is answered with the limit's reply at the end of the message") {
    CHECK(h.exchange("TS 1 1;\r\nAMS 1;\r\n") == "AMS 1;\r\n");
    CHECK(h.exchange(dum(1, 0, {"AM-Part: MAIL", kAllowAll}, "<a@b>")) ==
          "DUM 1 0\r\nAs-is: 0\r\nAM-Part: MAIL\r\n\r\n5:<a@b>\r\n;\r\n");
    CHECK(h.exchange(dum(1, 5, {"AM-Part: RAWDATA", kAllowAll}, std::string(700, 'a'))) == "");
    // Over the limit: nothing yet, the rest of the message is read and dropped.
    CHECK(h.exchange(dum(1, 705, {"AM-Part: RAWDATA", kAllowAll}, std::string(700, 'b'))) == "");
    CHECK(h.exchange(dum(1, 1405, {"AM-Part: RAWDATA", kAllowAll}, std::string(5000, 'c'))) == "");
    CHECK(h.exchange("AME 1;\r\n") == "DUM 1 5\r\nAM-Part: RAWDATA\r\nSMTP-Error: " + quoted(refusal) +
                                          "\r\n\r\n0:\r\n;\r\nAME 1;\r\nTE 1;\r\n");
    CHECK_FALSE(h.finished());
    // The connection carries on: the next message passes with its stamp.
    CHECK(h.exchange("TS 2 1;\r\nAMS 2;\r\n" + dum(2, 0, {"AM-Part: RAWDATA", kAllowAll}, "Subject: hi\r\n\r\nbody\r\n") +
                     "AME 2;\r\n") ==
          "AMS 2;\r\nDUM 2 0\r\nAs-is: 0\r\nAM-Part: RAWDATA\r\n" + kStampHeader +
              "\r\n21:Subject: hi\r\n\r\nbody\r\n\r\n;\r\nAME 2;\r\nTE 2;\r\n");
  }
  SUBCASE("Allow without SMTP-Error: the answer cannot refuse, so the transaction fails, its result naming the reply") {
    const std::string reply =
        h.exchange("TS 1 1;\r\nAMS 1;\r\n" + dum(1, 0, {"AM-Part: RAWDATA", "Allow: (Add-Header)"}, std::string(2000, 'a')));
    CHECK(reply == "AMS 1;\r\nTE 1 {400 " +
                       quoted("the message needs more than 1024 octets held in memory (limits.max_buffered_part)") +
                       "\r\nSMTP-Error: " + quoted(refusal) + "\r\n};\r\n");
    CHECK_FALSE(h.finished());
  }
}

TEST_CASE("the processor's failed AME ends the transaction without an answer") {
  auto h = negotiated({kStamp});
  CHECK(h.exchange("TS 1 1;\r\nAMS 1;\r\n" + dum(1, 0, {"AM-Part: RAWDATA", kAllowAll}, "x") +
                   "AME 1 {400 \"6:client\"};\r\n") == "AMS 1;\r\nTE 1;\r\n");
}

}  // namespace opes::callout
