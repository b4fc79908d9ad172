#include "opes/smtp/delivery_status.hpp"

#include <doctest/doctest.h>

namespace opes::smtp::test {

namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

constexpr std::string_view kOriginal =
    "From: alice@example.org\r\n"
    "To: bob@customer.example\r\n"
    "Subject: hi\r\n"
    "\r\n"
    "Hello\r\n";

DsnRecipient bob() {
  DsnRecipient recipient;
  recipient.address = "bob@customer.example";
  recipient.status = "5.1.1";
  recipient.diagnostic = "550 5.1.1 <bob@customer.example>: no such user";
  recipient.remote_mta = "mx.customer.example";
  return recipient;
}

DsnRequest simple() {
  DsnRequest request;
  request.reporting_mta = "gateway.example";
  request.sender = "alice@example.org";
  request.recipients = {bob()};
  request.arrival = sys_days{2026y / 12 / 4} + 18h;
  request.now = sys_days{2026y / 12 / 5} + 18h + 30min + 5s;
  request.explanation = "The customer's server refused it.";
  request.original = kOriginal;
  request.unique = "20261205183005.A1";
  return request;
}

std::string content_of(const DsnRequest& request) {
  const auto message = make_dsn(request);
  REQUIRE(message);
  return message->content;
}

bool has(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::size_t count(std::string_view text, std::string_view part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string_view::npos; at = text.find(part, at + 1))
    ++n;
  return n;
}

/// The boundary the Content-Type names.
std::string boundary_of(std::string_view content) {
  const std::size_t at = content.find("boundary=\"");
  REQUIRE(at != std::string_view::npos);
  const std::size_t start = at + 10;
  return std::string(content.substr(start, content.find('"', start) - start));
}

/// Every line ends in CRLF and none is longer than RFC 5322's 998 octets.
void check_lines(std::string_view content) {
  std::size_t start = 0;
  while (start < content.size()) {
    const std::size_t end = content.find("\r\n", start);
    REQUIRE(end != std::string_view::npos);
    const std::string_view line = content.substr(start, end - start);
    CHECK(line.size() <= 998);
    CHECK(line.find('\r') == std::string_view::npos);
    CHECK(line.find('\n') == std::string_view::npos);
    start = end + 2;
  }
}

}  // namespace

TEST_CASE("RFC 3464: a bounce for one recipient byte for byte") {
  const auto message = make_dsn(simple());
  REQUIRE(message);
  CHECK(message->recipient == "alice@example.org");
  CHECK_FALSE(message->eight_bit);
  CHECK(message->content ==
        "From: Mail Delivery System <MAILER-DAEMON@gateway.example>\r\n"
        "To: <alice@example.org>\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Date: Sat, 05 Dec 2026 18:30:05 +0000\r\n"
        "Message-ID: <20261205183005.A1@gateway.example>\r\n"
        "MIME-Version: 1.0\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "Content-Type: multipart/report; report-type=delivery-status;\r\n"
        "\tboundary=\"=_dsn_20261205183005.A1\"\r\n"
        "\r\n"
        "This is a MIME-encapsulated message.\r\n"
        "\r\n"
        "--=_dsn_20261205183005.A1\r\n"
        "Content-Description: Notification\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "\r\n"
        "This is the mail system at gateway.example.\r\n"
        "\r\n"
        "Your message could not be delivered to the recipients below.\r\n"
        "The customer's server refused it.\r\n"
        "\r\n"
        "<bob@customer.example>: 550 5.1.1 <bob@customer.example>: no such user\r\n"
        "\r\n"
        "--=_dsn_20261205183005.A1\r\n"
        "Content-Description: Delivery report\r\n"
        "Content-Type: message/delivery-status\r\n"
        "\r\n"
        "Reporting-MTA: dns; gateway.example\r\n"
        "Arrival-Date: Fri, 04 Dec 2026 18:00:00 +0000\r\n"
        "\r\n"
        "Final-Recipient: rfc822;bob@customer.example\r\n"
        "Action: failed\r\n"
        "Status: 5.1.1\r\n"
        "Remote-MTA: dns; mx.customer.example\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <bob@customer.example>: no such user\r\n"
        "\r\n"
        "--=_dsn_20261205183005.A1\r\n"
        "Content-Description: Undelivered Message Headers\r\n"
        "Content-Type: text/rfc822-headers\r\n"
        "\r\n"
        "From: alice@example.org\r\n"
        "To: bob@customer.example\r\n"
        "Subject: hi\r\n"
        "\r\n"
        "--=_dsn_20261205183005.A1--\r\n");
}

TEST_CASE("the null reverse-path never gets a DSN") {
  DsnRequest request = simple();
  request.sender = "";
  CHECK_FALSE(make_dsn(request));
}

TEST_CASE("RFC 3461 4.1: a recipient whose NOTIFY excludes the event is left out") {
  DsnRequest request = simple();
  DsnRecipient never = bob();
  never.address = "never@customer.example";
  never.dsn_parameters = "NOTIFY=NEVER";
  DsnRecipient success_delay = bob();
  success_delay.address = "sd@customer.example";
  success_delay.dsn_parameters = "NOTIFY=SUCCESS,DELAY ORCPT=rfc822;sd@customer.example";
  DsnRecipient failure = bob();
  failure.address = "failure@customer.example";
  failure.dsn_parameters = "ORCPT=rfc822;failure@customer.example notify=delay,failure";
  request.recipients = {never, success_delay, failure, bob()};
  const std::string content = content_of(request);
  CHECK_FALSE(has(content, "never@customer.example"));
  CHECK_FALSE(has(content, "sd@customer.example"));
  CHECK(has(content, "Final-Recipient: rfc822;failure@customer.example\r\n"));
  CHECK(has(content,
            "Final-Recipient: rfc822;bob@customer.example\r\n"));  // no NOTIFY: FAILURE and DELAY

  request.recipients = {never, success_delay};
  CHECK_FALSE(make_dsn(request));
}

TEST_CASE("RFC 3461 4.1: a delay is reported only to a NOTIFY with DELAY, or none") {
  DsnRequest request = simple();
  DsnRecipient delayed = bob();
  delayed.action = DsnAction::delayed;
  delayed.dsn_parameters = "NOTIFY=SUCCESS,FAILURE";
  request.recipients = {delayed};
  CHECK_FALSE(make_dsn(request));
  request.recipients[0].dsn_parameters = "NOTIFY=DELAY";
  CHECK(make_dsn(request));
  request.recipients[0].dsn_parameters = "";
  CHECK(make_dsn(request));
}

TEST_CASE("RFC 3461 6.3: ORCPT becomes Original-Recipient, xtext decoded, before Final-Recipient") {
  DsnRequest request = simple();
  request.recipients[0].dsn_parameters = "NOTIFY=FAILURE ORCPT=rfc822;Bob+2Balias@Customer.example";
  CHECK(has(content_of(request),
            "\r\n\r\nOriginal-Recipient: rfc822;Bob+alias@Customer.example\r\n"
            "Final-Recipient: rfc822;bob@customer.example\r\n"));
  request.recipients[0].dsn_parameters = "NOTIFY=FAILURE";
  CHECK_FALSE(has(content_of(request), "Original-Recipient"));
  // Not of the form addr-type ";" xtext: no field RFC 3464 could read.
  request.recipients[0].dsn_parameters = "ORCPT=bob@customer.example";
  CHECK_FALSE(has(content_of(request), "Original-Recipient"));
}

TEST_CASE("RFC 3461 6.3: ENVID becomes Original-Envelope-Id, xtext decoded") {
  DsnRequest request = simple();
  request.sender_dsn_parameters = "RET=HDRS ENVID=QQ314159+3Dx";
  CHECK(has(content_of(request),
            "Reporting-MTA: dns; gateway.example\r\n"
            "Original-Envelope-Id: QQ314159=x\r\n"
            "Arrival-Date: Fri, 04 Dec 2026 18:00:00 +0000\r\n"));
  request.sender_dsn_parameters = "RET=HDRS";
  CHECK_FALSE(has(content_of(request), "Original-Envelope-Id"));
}

TEST_CASE("RFC 3461 4.3: RET=FULL returns the whole message, otherwise its header section only") {
  DsnRequest request = simple();
  request.sender_dsn_parameters = "ENVID=x RET=full";
  const std::string full = content_of(request);
  const std::string boundary = boundary_of(full);
  CHECK(
      has(full, "Content-Description: Undelivered Message\r\nContent-Type: message/rfc822\r\n\r\n" +
                    std::string(kOriginal) + "\r\n--" + boundary + "--\r\n"));
  CHECK_FALSE(has(full, "text/rfc822-headers"));

  request.sender_dsn_parameters = "RET=HDRS";
  const std::string headers = content_of(request);
  CHECK(has(headers, "Content-Type: text/rfc822-headers\r\n"));
  CHECK_FALSE(has(headers, "Hello"));
  CHECK_FALSE(has(headers, "message/rfc822"));

  request.original = "Subject: no body\r\n";  // no empty line: all of it is the header section
  CHECK(has(content_of(request), "\r\n\r\nSubject: no body\r\n\r\n--"));
}

TEST_CASE("a delay warning has its subject, action, status and Will-Retry-Until") {
  DsnRequest request = simple();
  request.recipients[0].action = DsnAction::delayed;
  request.recipients[0].status = "4.4.1";
  request.recipients[0].diagnostic = "";
  request.retry_until = sys_days{2026y / 12 / 9} + 18h;
  const std::string content = content_of(request);
  CHECK(has(content, "\r\nSubject: Delayed Mail (still being retried)\r\n"));
  CHECK(has(content,
            "Action: delayed\r\nStatus: 4.4.1\r\nRemote-MTA: dns; mx.customer.example\r\n"
            "Will-Retry-Until: Wed, 09 Dec 2026 18:00:00 +0000\r\n"));
  CHECK(has(content,
            "\r\nretried until Wed, 09 Dec 2026 18:00:00 +0000. You need not send it again.\r\n"));
  CHECK_FALSE(has(content, "Diagnostic-Code"));
  CHECK(has(content, "<bob@customer.example>: 4.4.1\r\n"));

  request.retry_until.reset();
  CHECK_FALSE(has(content_of(request), "Will-Retry-Until"));
}

TEST_CASE("a failure has no Will-Retry-Until, and a mixed report is a bounce") {
  DsnRequest request = simple();
  request.retry_until = sys_days{2026y / 12 / 9};
  DsnRecipient later = bob();
  later.address = "later@customer.example";
  later.action = DsnAction::delayed;
  later.status = "4.4.1";
  request.recipients.push_back(later);
  const std::string content = content_of(request);
  CHECK(has(content, "\r\nSubject: Undelivered Mail Returned to Sender\r\n"));
  CHECK(count(content, "Will-Retry-Until:") == 1);
  CHECK(has(content, "Final-Recipient: rfc822;later@customer.example\r\nAction: delayed\r\n"));
}

TEST_CASE("without a remote MTA or a diagnostic those fields are left out") {
  DsnRequest request = simple();
  request.recipients[0].remote_mta = "";
  request.recipients[0].diagnostic = "";
  const std::string content = content_of(request);
  CHECK_FALSE(has(content, "Remote-MTA"));
  CHECK_FALSE(has(content, "Diagnostic-Code"));
  request.recipients[0].remote_mta = "[192.0.2.7]";
  CHECK(has(content_of(request), "Remote-MTA: dns; [192.0.2.7]\r\n"));
}

TEST_CASE("a status not of RFC 3463's form becomes the action's generic code") {
  DsnRequest request = simple();
  for (const char* bad :
       {"", "550", "5.1", "5.1.1.1", "6.1.1", "5.1234.1", "5..1", "5.1.", "x.1.1"}) {
    request.recipients[0].status = bad;
    CHECK(has(content_of(request), "\r\nStatus: 5.0.0\r\n"));
  }
  request.recipients[0].status = "5.7.26";
  CHECK(has(content_of(request), "\r\nStatus: 5.7.26\r\n"));
  request.recipients[0].action = DsnAction::delayed;
  request.recipients[0].status = "bad";
  CHECK(has(content_of(request), "\r\nStatus: 4.0.0\r\n"));
}

TEST_CASE("a multi-line reply becomes one Diagnostic-Code, folded at spaces") {
  DsnRequest request = simple();
  request.recipients[0].diagnostic =
      "550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n"
      "550-5.1.1 double-checking the recipient's email address for typos or\r\n"
      "550 5.1.1 unnecessary spaces.";
  const std::string content = content_of(request);
  check_lines(content);
  CHECK(has(content,
            "Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach\r\n"
            " does not exist. Please try 550-5.1.1 double-checking the recipient's email\r\n"
            " address for typos or 550 5.1.1 unnecessary spaces.\r\n"));
}

TEST_CASE("no generated line is over 998 octets: long words are cut, long texts bounded") {
  DsnRequest request = simple();
  request.recipients[0].diagnostic =
      "550 " + std::string(1500, 'x') + " tail " + std::string(5000, 'y');
  request.recipients[0].address = std::string(1200, 'a') + "@customer.example";
  request.explanation = std::string(1100, 'e');
  request.reporting_mta = "gateway.example";
  const std::string content = content_of(request);
  check_lines(content);
  CHECK(has(content, "Diagnostic-Code: smtp; 550\r\n " + std::string(997, 'x') + "\r\n tail\r\n"));
  CHECK(content.size() < 20000);  // each value is bounded, whatever was given
}

TEST_CASE("controls and 8-bit octets in generated fields are neutralised") {
  DsnRequest request = simple();
  request.recipients[0].diagnostic = "550 5.1.1 caf\xc3\xa9\r\nBcc: injected";
  request.explanation = "one\r\n\r\ntwo\x01three";
  const auto message = make_dsn(request);
  REQUIRE(message);
  CHECK_FALSE(message->eight_bit);
  check_lines(message->content);
  CHECK(has(message->content, "Diagnostic-Code: smtp; 550 5.1.1 caf?? Bcc: injected\r\n"));
  CHECK(has(message->content, "one two three\r\n"));
  CHECK_FALSE(has(message->content, "\r\nBcc:"));
}

TEST_CASE("an 8-bit original returned in full is labelled 8bit, part and whole") {
  DsnRequest request = simple();
  const std::string original = "Subject: caf\xc3\xa9\r\n\r\n\xc3\xa9t\xc3\xa9\r\n";
  request.original = original;
  request.sender_dsn_parameters = "RET=FULL";
  auto message = make_dsn(request);
  REQUIRE(message);
  CHECK(message->eight_bit);
  CHECK(count(message->content, "Content-Transfer-Encoding: 8bit\r\n") == 2);
  CHECK(has(message->content,
            "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + original));

  request.original = "Subject: plain\r\n\r\n\xc3\xa9t\xc3\xa9\r\n";  // 8-bit only in the body
  request.sender_dsn_parameters = "RET=HDRS";
  message = make_dsn(request);
  REQUIRE(message);
  CHECK_FALSE(message->eight_bit);
  CHECK_FALSE(has(message->content, "Content-Transfer-Encoding"));
}

TEST_CASE(
    "RFC 2046 5.1.1: the boundary is not in the original, and its lines are exactly the "
    "delimiters") {
  DsnRequest request = simple();
  request.sender_dsn_parameters = "RET=FULL";
  const std::string original =
      std::string(kOriginal) + "--=_dsn_20261205183005.A1\r\n=_dsn_20261205183005.A1_1\r\n";
  request.original = original;
  const std::string content = content_of(request);
  const std::string boundary = boundary_of(content);
  CHECK(boundary == "=_dsn_20261205183005.A1_2");
  CHECK(count(content, boundary) == 5);  // the parameter, three delimiters, the close
  CHECK(count(content, "\r\n--" + boundary + "\r\n") == 3);
  CHECK(content.size() >= boundary.size() + 8);
  CHECK(content.substr(content.size() - boundary.size() - 8) == "\r\n--" + boundary + "--\r\n");
  // The parts sit between the delimiters in order.
  const std::size_t first = content.find("--" + boundary + "\r\nContent-Description: Notification");
  const std::size_t second =
      content.find("--" + boundary + "\r\nContent-Description: Delivery report");
  const std::size_t third =
      content.find("--" + boundary + "\r\nContent-Description: Undelivered Message\r\n");
  CHECK(first != std::string::npos);
  CHECK(first < second);
  CHECK(second < third);
  CHECK(third != std::string::npos);
}

TEST_CASE("the boundary and Message-ID keep to their characters whatever the unique part holds") {
  DsnRequest request = simple();
  request.unique = "a b\"c{d}";
  const std::string content = content_of(request);
  CHECK(boundary_of(content) == "=_dsn_a-b-c-d-");
  CHECK(has(content, "\r\nMessage-ID: <a-b-c{d}@gateway.example>\r\n"));
}

}  // namespace opes::smtp::test
