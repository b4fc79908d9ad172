#include "opes/processor/trace_notification.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace opes::processor::test {

namespace {

const std::string kHeaderSection =
    "OPES-System: http://gateway.example.com/opes?session=33W9WIMC\r\n"
    "Received: from mail2.example.org [192.0.2.99]\r\n"
    " by gateway.example.com id 33W9WIMC;\r\n"
    " Mon, 10 Oct 2005 05:35:55 +0200\r\n"
    "Subject: Test\r\n"
    "From: \"Steve\" <steve@example.org>\r\n"
    "To: \"Sandra\" <sandra@example.com>\r\n"
    "Message-ID: <20051010053555.1@example.org>\r\n"
    "\r\n";

const std::string kBody = "SECRET BODY LINE\r\n--\r\nmore of the body\r\n";

TraceNotificationInput input(std::string_view header_section) {
  TraceNotificationInput in;
  in.header_section = header_section;
  in.envelope_sender = "steve@example.org";
  in.host_name = "gateway.example.com";
  in.postmaster = "postmaster@gateway.example.com";
  in.date = "Mon, 10 Oct 2005 05:35:56 +0200";
  in.message_id = "<opes-trace.33W9WIMC@gateway.example.com>";
  in.services = {
      {"virus-scan", "http://callout.example.com/services/virus-scan",
       ServiceOutcome::Action::bypass_refused},
      {"disclaimer", "http://callout.example.com/services/disclaimer",
       ServiceOutcome::Action::bypassed},
      {"header-stamp", "http://callout.example.com/services/header-stamp",
       ServiceOutcome::Action::ran},
  };
  return in;
}

TraceNotification built(const TraceNotificationInput& in) {
  auto notification = build_trace_notification(in);
  REQUIRE(notification);
  REQUIRE(notification->has_value());
  return **notification;
}

std::string boundary_of(const std::string& content) {
  const std::string key = "boundary=\"";
  const std::size_t start = content.find(key) + key.size();
  return content.substr(start, content.find('"', start) - start);
}

std::string subject_of(const std::string& content) {
  const std::size_t start = content.find("Subject:");
  return content.substr(start, content.find("\r\nDate:") - start);
}

std::string error_of(const TraceNotificationInput& in) {
  auto notification = build_trace_notification(in);
  REQUIRE_FALSE(notification);
  return notification.error().reason;
}

}  // namespace

TEST_CASE("draft 4.2: the notification carries the header section and the services byte for byte") {
  const TraceNotification notification = built(input(kHeaderSection + kBody));
  CHECK(notification.envelope_from == "");
  CHECK(notification.recipient == "steve@example.org");
  CHECK_FALSE(notification.eight_bit);
  const std::string boundary = boundary_of(notification.content);
  CHECK(boundary == "=_opes-trace_40ee039bbe5aaf69");
  CHECK(notification.content ==
        "From: <postmaster@gateway.example.com>\r\n"
        "To: <steve@example.org>\r\n"
        "Subject: OPES trace: Test\r\n"
        "Date: Mon, 10 Oct 2005 05:35:56 +0200\r\n"
        "Message-ID: <opes-trace.33W9WIMC@gateway.example.com>\r\n"
        "In-Reply-To: <20051010053555.1@example.org>\r\n"
        "References: <20051010053555.1@example.org>\r\n"
        "Auto-Submitted: auto-generated\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"" +
            boundary +
            "\"\r\n"
            "\r\n"
            "This is a MIME-formatted message.\r\n"
            "\r\n"
            "--" +
            boundary +
            "\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n"
            "\r\n"
            "This is the OPES trace you asked for with the OPESTRACE parameter of\r\n"
            "MAIL FROM (draft-ietf-opes-smtp-00 section 4.2).\r\n"
            "\r\n"
            "OPES system: gateway.example.com\r\n"
            "\r\n"
            "Services that ran:\r\n"
            "  header-stamp <http://callout.example.com/services/header-stamp>\r\n"
            "Services bypassed at your request:\r\n"
            "  disclaimer <http://callout.example.com/services/disclaimer>\r\n"
            "Services not bypassed, protected by policy:\r\n"
            "  virus-scan <http://callout.example.com/services/virus-scan>\r\n"
            "\r\n"
            "The attached part holds the header section of your message as it left\r\n"
            "this system, trace headers included. The body is not included.\r\n"
            "\r\n"
            "--" +
            boundary +
            "\r\n"
            "Content-Type: text/rfc822-headers\r\n"
            "\r\n" +
            kHeaderSection.substr(0, kHeaderSection.size() - 2) +
            "\r\n"
            "--" +
            boundary + "--\r\n");
}

TEST_CASE("the boundary depends on the notification's Message-ID only") {
  const std::string first = built(input(kHeaderSection)).content;
  CHECK(boundary_of(first) == boundary_of(built(input(kHeaderSection + kBody)).content));
  TraceNotificationInput other = input(kHeaderSection);
  other.message_id = "<other@gateway.example.com>";
  CHECK(boundary_of(built(other).content) != boundary_of(first));
}

TEST_CASE("the null sender gets no notification") {
  TraceNotificationInput in = input(kHeaderSection);
  in.envelope_sender = "";
  auto notification = build_trace_notification(in);
  REQUIRE(notification);
  CHECK_FALSE(notification->has_value());
}

TEST_CASE("draft 4.2: no octet of the body is ever present") {
  const std::string body = "Subject: not a header\r\nX-Body-Marker: 1\r\n\r\ntail\r\n";
  const TraceNotification notification = built(input(kHeaderSection + body));
  CHECK(notification.content.find("not a header") == std::string::npos);
  CHECK(notification.content.find("X-Body-Marker") == std::string::npos);
  CHECK(notification.content.find("tail") == std::string::npos);
  CHECK(notification.content == built(input(kHeaderSection)).content);
}

TEST_CASE("a boundary that occurs in the header section is made longer") {
  const std::string boundary = boundary_of(built(input(kHeaderSection)).content);
  const std::string trapped = "X-Trap: --" + boundary + "\r\n" + kHeaderSection;
  const TraceNotification notification = built(input(trapped));
  CHECK(boundary_of(notification.content) == boundary + ".1");
  CHECK(notification.content.find("X-Trap: --" + boundary + "\r\n") != std::string::npos);
}

TEST_CASE("the subject is unfolded and cleaned of controls and 8-bit octets") {
  const std::string section =
      "Subject: Quarterly\r\n\treport\x01 for  caf\xc3\xa9\r\n  \r\nFrom: a@example.org\r\n\r\n";
  // A folded line of white space alone is malformed but must not break us.
  const std::string content = built(input(section)).content;
  CHECK(subject_of(content) == "Subject: OPES trace: Quarterly report for caf??");
}

TEST_CASE("a long subject is cut at 200 octets at a space and folded at 78") {
  std::string words;
  for (int i = 0; i < 40; ++i) words += "word" + std::to_string(100 + i) + " ";
  const std::string content = built(input("Subject: " + words + "\r\n\r\n")).content;
  CHECK(subject_of(content) ==
        "Subject: OPES trace: word100 word101 word102 word103 word104 word105 word106\r\n"
        " word107 word108 word109 word110 word111 word112 word113 word114 word115\r\n"
        " word116 word117 word118 word119 word120 word121 word122 word123 word124...");
}

TEST_CASE("a subject of one long word is cut hard and folded onto its own line") {
  const std::string content =
      built(input("Subject: " + std::string(300, 'x') + "\r\n\r\n")).content;
  CHECK(subject_of(content) == "Subject: OPES trace:\r\n " + std::string(200, 'x') + "...");
}

TEST_CASE("without a Subject the original Message-ID names the message") {
  CHECK(subject_of(built(input("Message-ID:  <m1@example.org> \r\n\r\n")).content) ==
        "Subject: OPES trace: <m1@example.org>");
  CHECK(subject_of(built(input("Subject: \r\nFrom: a@example.org\r\n\r\n")).content) ==
        "Subject: OPES trace: (no subject)");
  const std::string content = built(input("From: a@example.org\r\n\r\n")).content;
  CHECK(subject_of(content) == "Subject: OPES trace: (no subject)");
  CHECK(content.find("In-Reply-To") == std::string::npos);
}

TEST_CASE("an 8-bit header section is flagged and its part declared 8bit") {
  const TraceNotification notification = built(input("Subject: caf\xc3\xa9\r\n\r\n"));
  CHECK(notification.eight_bit);
  CHECK(notification.content.find("Content-Type: text/rfc822-headers\r\n"
                                  "Content-Transfer-Encoding: 8bit\r\n\r\n"
                                  "Subject: caf\xc3\xa9\r\n") != std::string::npos);
}

TEST_CASE("an empty header section gives an empty headers part") {
  const TraceNotification notification = built(input("\r\nbody\r\n"));
  const std::string boundary = boundary_of(notification.content);
  CHECK(notification.content.ends_with("Content-Type: text/rfc822-headers\r\n\r\n\r\n--" +
                                       boundary + "--\r\n"));
}

TEST_CASE("a malformed header section is refused") {
  CHECK(error_of(input("Subject: x\r\n")) == "the header section does not end with an empty line");
  CHECK(error_of(input("Subject: x\nFrom: y\r\n\r\n")) == "the header section holds a bare LF");
  CHECK(error_of(input("Subject: x\rFrom: y\r\n\r\n")) == "the header section holds a bare CR");
  CHECK(error_of(input(std::string("Subject: x\0y\r\n\r\n", 16))) ==
        "the header section holds a NUL");
  CHECK(error_of(input("X: " + std::string(996, 'a') + "\r\n\r\n")) ==
        "a header line is longer than 998 octets");
  CHECK(built(input("X: " + std::string(995, 'a') + "\r\n\r\n")).content.size() > 995);
  std::string huge;
  while (huge.size() < TraceNotificationInput::kMaxHeaderSectionLength) {
    huge += "X-Fill: " + std::string(70, 'f') + "\r\n";
  }
  CHECK(error_of(input(huge + "\r\n")) == "the header section is longer than 262144 octets");
}

TEST_CASE("addresses, host name, date and message id are checked") {
  TraceNotificationInput in = input(kHeaderSection);
  in.envelope_sender = "steve@example.org>\r\nBcc: x@example.net";
  CHECK(error_of(in) == "the envelope sender is not a printable US-ASCII address");
  in = input(kHeaderSection);
  in.envelope_sender = "st\xc3\xa9ve@example.org";
  CHECK(error_of(in) == "the envelope sender is not a printable US-ASCII address");
  in = input(kHeaderSection);
  in.postmaster = "postmaster";
  CHECK(error_of(in) == "the postmaster is not a printable US-ASCII address");
  in = input(kHeaderSection);
  in.host_name = "";
  CHECK(error_of(in) == "the host name is not printable US-ASCII of 1 to 255 octets");
  in = input(kHeaderSection);
  in.date = "Mon,\r\n 10 Oct";
  CHECK(error_of(in) == "the date is not printable US-ASCII of 1 to 100 octets");
  in = input(kHeaderSection);
  in.message_id = "no-brackets@example";
  CHECK(error_of(in) == "the message id is not '<' printable US-ASCII '>'");
}

TEST_CASE("service names and agent ids that are not printable are shown with question marks") {
  TraceNotificationInput in = input(kHeaderSection);
  in.services = {{"bad\r\nname", "urn:x\xff", ServiceOutcome::Action::ran}};
  const std::string content = built(in).content;
  CHECK(content.find("Services that ran:\r\n  bad??name <urn:x?>\r\n"
                     "Services bypassed at your request:\r\n  (none)\r\n") != std::string::npos);
}

TEST_CASE("no line of a notification passes 998 octets") {
  const std::string section = "Subject: " + std::string(980, 's') + "\r\n\r\n";
  TraceNotificationInput in = input(section);
  in.services = {{std::string(300, 'n'), std::string(900, 'u'), ServiceOutcome::Action::ran}};
  const std::string content = built(in).content;
  std::size_t at = 0;
  while (at < content.size()) {
    const std::size_t crlf = content.find("\r\n", at);
    REQUIRE(crlf != std::string::npos);
    CHECK(crlf - at <= 998);
    at = crlf + 2;
  }
}

TEST_CASE("a header section over max_header_octets is cut after the last whole line and the text says so") {
  // 88 KB of header lines chosen by whoever wrote the envelope sender.
  std::string section = "Subject: reflected\r\n";
  while (section.size() < 88 * 1024) section += "X-Filler: " + std::string(88, 'f') + "\r\n";
  const std::size_t lines = section.size();
  section += "\r\nbody\r\n";
  TraceNotificationInput in = input(section);
  in.max_header_octets = 8192;
  const TraceNotification notification = built(in);
  CHECK(notification.header_octets == lines);
  // 20 octets of Subject, then lines of 100: 81 of them fit in 8192.
  CHECK(notification.header_octets_included == 20 + 81 * 100);
  const std::string& content = notification.content;
  CHECK(content.find("The header section is shortened: the first 8120 of its " +
                     std::to_string(lines) + " octets are included.\r\n") != std::string::npos);
  const std::string part = "Content-Type: text/rfc822-headers\r\n\r\n" + section.substr(0, 8120) +
                           "\r\n--" + boundary_of(content) + "--\r\n";
  CHECK(content.size() - content.find("Content-Type: text/rfc822-headers") == part.size());
  CHECK(content.ends_with(part));
  CHECK(content.size() < 8192 + 2048);
  CHECK(subject_of(content) == "Subject: OPES trace: reflected");
}

TEST_CASE("a header section within max_header_octets is whole and no shortening is mentioned") {
  // Header lines of exactly 1024 octets; the empty line is not counted.
  const std::string lines = "Subject: fits\r\nX-Fill: " + std::string(500, 'f') + "\r\nX-Fill: " +
                            std::string(1024 - 15 - 510 - 10, 'f') + "\r\n";
  REQUIRE(lines.size() == 1024);
  const std::string section = lines + "\r\nbody\r\n";  // input() keeps a view of it
  TraceNotificationInput in = input(section);
  in.max_header_octets = 1024;
  const TraceNotification notification = built(in);
  CHECK(notification.header_octets == 1024);
  CHECK(notification.header_octets_included == 1024);
  CHECK(notification.content.find("shortened") == std::string::npos);
  CHECK(notification.content.find("\r\n\r\n" + lines + "\r\n--") != std::string::npos);
}

TEST_CASE("8-bit octets only in the cut-off lines do not make the part 8bit") {
  std::string section = "Subject: plain\r\n";
  while (section.size() < 2000) section += "X-Filler: " + std::string(88, 'f') + "\r\n";
  section += "X-Late: caf\xc3\xa9\r\n\r\n";
  TraceNotificationInput in = input(section);
  in.max_header_octets = 1024;
  const TraceNotification notification = built(in);
  CHECK_FALSE(notification.eight_bit);
  CHECK(notification.content.find("Content-Transfer-Encoding") == std::string::npos);
}

TEST_CASE("a header limit under 1024 octets is refused") {
  TraceNotificationInput in = input(kHeaderSection);
  in.max_header_octets = 1023;
  CHECK(error_of(in) == "the header limit is under 1024 octets");
}

}  // namespace opes::processor::test
