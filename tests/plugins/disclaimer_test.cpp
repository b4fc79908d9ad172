#include <doctest/doctest.h>

#include <string>

#include "support/plugin_runner.hpp"

using namespace plugin_test;

namespace {

const std::string footer_config = R"({"footer":"-- \nScanned by Example"})";
const std::string footer = "-- \r\nScanned by Example";

ServiceInstance disclaimer(std::string_view config = footer_config, TransactionLimits limits = {}) {
  return instantiate(OPES_DISCLAIMER_SO, "disclaimer", config, quiet_options(limits));
}

PartVerdict verdict_for(const ServiceInstance& instance, const std::string& message,
                        std::size_t chunk = 0) {
  const std::vector<std::string> chunks =
      chunk ? chunked(message, chunk) : std::vector<std::string>{message};
  return only_verdict(run(instance, {part("RCPT", "<b@example.org>"), {"RAWDATA", chunks}}));
}

// The message as the service rewrote it; fails the test if it did not.
std::string rewritten(const std::string& message, std::string_view config = footer_config) {
  const PartVerdict verdict = verdict_for(disclaimer(config), message);
  REQUIRE(verdict.action == Action::Replace);
  return verdict.content;
}

void check_unchanged(const std::string& message, std::string_view config = footer_config) {
  CHECK(verdict_for(disclaimer(config), message).action == Action::Keep);
}

const std::string mixed =
    "From: a@example.org\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n"
    "\r\n"
    "This is a MIME message.\r\n"
    "--XYZ\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "Hello\r\n"
    "--XYZ\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Disposition: attachment; filename=notes.txt\r\n"
    "\r\n"
    "attached text\r\n"
    "--XYZ--\r\n"
    "epilogue\r\n";

}  // namespace

TEST_CASE("disclaimer: appends the footer to the body of a plain message, with CRLF line ends") {
  const std::string message = "From: a@example.org\r\nSubject: hi\r\n\r\nHello\r\n";
  CHECK(rewritten(message) == message + footer + "\r\n");
  // A body whose last line has no line end gets one first.
  CHECK(rewritten("Subject: hi\r\n\r\nHello") == "Subject: hi\r\n\r\nHello\r\n" + footer + "\r\n");
}

TEST_CASE("disclaimer: in multipart/mixed, appends to the first text/plain part only") {
  std::string expected = mixed;
  expected.replace(expected.find("Hello\r\n"), 7, "Hello\r\n" + footer + "\r\n");
  CHECK(rewritten(mixed) == expected);  // preamble, attachment and epilogue byte for byte
}

TEST_CASE("disclaimer: finds the text/plain part inside nested multiparts") {
  const std::string message =
      "Content-Type: multipart/mixed; boundary=outer\r\n"
      "\r\n"
      "--outer\r\n"
      "Content-Type: multipart/alternative; boundary=\"inner\"\r\n"
      "\r\n"
      "--inner\r\n"
      "Content-Type: text/html\r\n"
      "\r\n"
      "<p>Hello</p>\r\n"
      "--inner\r\n"
      "Content-Type: text/plain\r\n"
      "\r\n"
      "Hello\r\n"
      "--inner--\r\n"
      "--outer\r\n"
      "Content-Type: application/pdf\r\n"
      "\r\n"
      "%PDF\r\n"
      "--outer--\r\n";
  std::string expected = message;
  expected.replace(expected.find("Hello\r\n--inner--"), 5, "Hello\r\n" + footer);
  CHECK(rewritten(message) == expected);
}

TEST_CASE("disclaimer: reads Content-Type parameters in any case, quoted, with comments") {
  const std::string message =
      "Content-Type: Multipart/Mixed (a comment); BOUNDARY = \"b:1\" ;\r\n"
      "\r\n"
      "--b:1\r\n"
      "\r\n"  // a part without header fields is text/plain
      "Hi\r\n"
      "--b:1--";
  CHECK(
      rewritten(message) ==
      "Content-Type: Multipart/Mixed (a comment); BOUNDARY = \"b:1\" ;\r\n\r\n--b:1\r\n\r\nHi\r\n" +
          footer + "\r\n--b:1--");
}

TEST_CASE("disclaimer: encodes the footer for a quoted-printable part") {
  const std::string message =
      "Content-Type: text/plain; charset=UTF-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n"
      "Gr=C3=BC=C3=9Fe\r\n";
  CHECK(rewritten(message, R"({"footer":"Viele Grüße = mfg"})") ==
        message + "Viele Gr=C3=BC=C3=9Fe =3D mfg\r\n");
}

TEST_CASE("disclaimer: a quoted-printable body ending in a soft line break gets a hard one first") {
  const std::string message =
      "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nHello=";
  // The footer's "-- " ends in a space, which quoted-printable must encode (RFC 2045 §6.7 rule 3).
  CHECK(rewritten(message) == message + "\r\n\r\n--=20\r\nScanned by Example\r\n");
}

TEST_CASE("disclaimer: long footer lines are soft-broken at 76 characters in quoted-printable") {
  const std::string message =
      "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nHi\r\n";
  const std::string long_line(200, 'x');
  const std::string result = rewritten(message, R"({"footer":")" + long_line + "\"}");
  const std::string added = result.substr(message.size());
  std::size_t start = 0;
  std::string decoded;
  while (start < added.size()) {
    const std::size_t end = added.find("\r\n", start);
    const std::string line = added.substr(start, end - start);
    CHECK(line.size() <= 76);
    decoded += line.back() == '=' ? line.substr(0, line.size() - 1) : line;
    start = end + 2;
  }
  CHECK(decoded == long_line);
}

TEST_CASE("disclaimer: re-encodes a base64 part with the footer added") {
  const std::string head =
      "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
      "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  const std::string message = head + "SGVsbG8NCg==\r\n--B--\r\n";
  // base64("Hello\r\n-- \r\nScanned by Example\r\n")
  CHECK(rewritten(message) == head + "SGVsbG8NCi0tIA0KU2Nhbm5lZCBieSBFeGFtcGxlDQo=\r\n--B--\r\n");
  check_unchanged(head + "not base64!\r\n--B--\r\n");
}

TEST_CASE("disclaimer: leaves messages without a suitable text part unchanged") {
  check_unchanged("Content-Type: text/html\r\n\r\n<p>Hello</p>\r\n");
  check_unchanged("Content-Type: text/plain\r\nContent-Disposition: attachment\r\n\r\nfile\r\n");
  check_unchanged(
      "Content-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin\r\n");
  check_unchanged("Content-Type: garbage\r\n\r\nHello\r\n");
  check_unchanged("Subject: only headers\r\n");
  // RFC 1847: a signature covers the signed part; the footer would break it.
  check_unchanged(
      "Content-Type: multipart/signed; boundary=S; protocol=\"application/pgp-signature\"\r\n\r\n"
      "--S\r\nContent-Type: text/plain\r\n\r\nsigned text\r\n--S\r\n"
      "Content-Type: application/pgp-signature\r\n\r\nsig\r\n--S--\r\n");
}

TEST_CASE("disclaimer: leaves a multipart without its close delimiter or boundary unchanged") {
  check_unchanged("Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n\r\nHello\r\n");
  check_unchanged("Content-Type: multipart/mixed\r\n\r\n--B\r\n\r\nHello\r\n--B--\r\n");
  check_unchanged(
      "Content-Type: multipart/mixed; boundary=B\r\n\r\n--BB\r\n\r\nHello\r\n--BB--\r\n");
}

TEST_CASE("disclaimer: a non-ASCII footer only goes where the part can carry it") {
  const std::string utf8_footer = R"({"footer":"Grüße"})";
  check_unchanged("Subject: no MIME\r\n\r\nHello\r\n", utf8_footer);  // us-ascii, 7bit
  check_unchanged("Content-Type: text/plain; charset=utf-8\r\n\r\nHello\r\n", utf8_footer);  // 7bit
  check_unchanged(
      "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: "
      "8bit\r\n\r\nHi\r\n",
      utf8_footer);
  const std::string eight_bit =
      "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nHi\r\n";
  CHECK(rewritten(eight_bit, utf8_footer) == eight_bit + "Grüße\r\n");
}

TEST_CASE("disclaimer: never adds a line that an enclosing multipart would read as a delimiter") {
  check_unchanged(mixed, R"({"footer":"--XYZ--"})");
  CHECK(rewritten("Subject: plain\r\n\r\nHi\r\n", R"({"footer":"--XYZ--"})") ==
        "Subject: plain\r\n\r\nHi\r\n--XYZ--\r\n");
}

TEST_CASE("disclaimer: a message arriving in chunks is rewritten as a whole") {
  const ServiceInstance instance = disclaimer();
  const std::string whole = verdict_for(instance, mixed).content;
  for (std::size_t chunk : {1u, 5u, 64u}) {
    CAPTURE(chunk);
    CHECK(verdict_for(instance, mixed, chunk).content == whole);
  }
}

TEST_CASE("disclaimer: a message larger than the buffering limit fails the transaction") {
  TransactionLimits limits;
  limits.max_buffered_part = 64;
  const TransactionResult result =
      run(disclaimer(footer_config, limits), {{"RAWDATA", chunked(mixed, 16)}});
  CHECK(result.outcome == Outcome::Failed);
  CHECK(result.failure.find("buffering limit of 64 octets") != std::string::npos);
}

TEST_CASE("disclaimer: refuses footers it cannot add cleanly") {
  for (const char* config : {
           R"({})",
           R"({"footer":""})",
           R"({"footer":"\n\n"})",
           R"({"footer":"lone\rCR"})",
           R"({"footer":"bell\u0007"})",
           R"({"footer":"x","colour":"red"})",
           R"({"footer":42})",
       }) {
    CAPTURE(config);
    CHECK(config_error(OPES_DISCLAIMER_SO, "disclaimer", config).code == Errc::config_rejected);
  }
  const std::string long_line = R"({"footer":")" + std::string(999, 'x') + "\"}";
  CHECK(config_error(OPES_DISCLAIMER_SO, "disclaimer", long_line).code == Errc::config_rejected);
}
