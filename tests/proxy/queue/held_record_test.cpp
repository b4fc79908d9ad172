#include "opes/queue/held_record.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace opes::queue;

namespace {

HeldRecord sample() {
  HeldRecord record;
  record.id = "0001700000000000.000001.42.1";
  record.domain = "customer.example";
  record.sender = "\"john smith\"@example.org";
  record.sender_dsn = "RET=HDRS ENVID=QQ314159";
  record.recipients = {{"a@customer.example", "NOTIFY=FAILURE ORCPT=rfc822;a@customer.example"},
                       {"b@customer.example", ""}};
  record.origin.address = "192.0.2.7";
  record.origin.port = 1025;
  record.origin.peer = "192.0.2.7:1025";
  record.origin.tls = true;
  record.origin.tls_cipher = "TLS_AES_256_GCM_SHA384";
  record.origin.helo = "client.example.org";
  record.origin.esmtp = true;
  record.origin.authenticated = "";
  record.origin.protocol = "smtp";
  record.transaction = "S7.1";
  record.received = Clock::time_point(std::chrono::seconds(1700000000));
  record.attempts = 3;
  record.delay_warned = true;
  return record;
}

const char* const sample_text =
    "Version: 1\n"
    "Id: 0001700000000000.000001.42.1\n"
    "Domain: customer.example\n"
    "Sender: \"john smith\"@example.org\n"
    "Sender-DSN: RET=HDRS ENVID=QQ314159\n"
    "Transaction: S7.1\n"
    "Received: 1700000000\n"
    "Attempts: 3\n"
    "Delay-Warned: yes\n"
    "Origin-Address: 192.0.2.7\n"
    "Origin-Port: 1025\n"
    "Origin-Peer: 192.0.2.7:1025\n"
    "Origin-TLS: yes\n"
    "Origin-TLS-Cipher: TLS_AES_256_GCM_SHA384\n"
    "Origin-HELO: client.example.org\n"
    "Origin-ESMTP: yes\n"
    "Origin-Authenticated:\n"
    "Origin-Protocol: smtp\n"
    "Recipient: a@customer.example\n"
    "Recipient-DSN: NOTIFY=FAILURE ORCPT=rfc822;a@customer.example\n"
    "Recipient: b@customer.example\n";

bool same(const HeldRecord& a, const HeldRecord& b) {
  if (a.recipients.size() != b.recipients.size()) return false;
  for (std::size_t i = 0; i < a.recipients.size(); ++i)
    if (a.recipients[i].address != b.recipients[i].address || a.recipients[i].dsn != b.recipients[i].dsn) return false;
  const auto& x = a.origin;
  const auto& y = b.origin;
  return a.id == b.id && a.domain == b.domain && a.sender == b.sender && a.sender_dsn == b.sender_dsn &&
         a.transaction == b.transaction && a.received == b.received && a.attempts == b.attempts &&
         a.delay_warned == b.delay_warned && x.address == y.address && x.port == y.port && x.peer == y.peer &&
         x.tls == y.tls && x.tls_cipher == y.tls_cipher && x.helo == y.helo && x.esmtp == y.esmtp &&
         x.authenticated == y.authenticated && x.protocol == y.protocol;
}

/// The sample text with one line replaced (or removed, with "").
std::string with_line(std::string_view old_line, std::string_view new_line) {
  std::string text = sample_text;
  const std::size_t at = text.find(std::string(old_line) + "\n");
  REQUIRE(at != std::string::npos);
  text.replace(at, old_line.size() + 1, new_line.empty() ? std::string() : std::string(new_line) + "\n");
  return text;
}

std::string parse_error(std::string_view text, const RecordLimits& limits = {}) {
  auto parsed = parse_record(text, limits);
  REQUIRE_FALSE(parsed);
  return parsed.error();
}

}  // namespace

TEST_CASE("a record serializes to Version 1 Key: value lines, byte for byte") {
  auto text = serialize_record(sample());
  REQUIRE(text);
  CHECK(*text == sample_text);
}

TEST_CASE("a serialized record parses back to the same record") {
  auto parsed = parse_record(sample_text);
  REQUIRE(parsed);
  CHECK(same(*parsed, sample()));
}

TEST_CASE("values keep their spaces: everything after the colon and one space") {
  HeldRecord record = sample();
  record.sender = " \"a  b\"@example.org ";
  record.transaction = "";
  auto text = serialize_record(record);
  REQUIRE(text);
  CHECK(text->find("Sender:  \"a  b\"@example.org \n") != std::string::npos);
  CHECK(text->find("Transaction:\n") != std::string::npos);
  auto parsed = parse_record(*text);
  REQUIRE(parsed);
  CHECK(parsed->sender == record.sender);
  CHECK(parsed->transaction.empty());
}

TEST_CASE("octets above 0x7F pass for RFC 6531 addresses") {
  HeldRecord record = sample();
  record.sender = "j\xC3\xB6rg@example.org";
  auto text = serialize_record(record);
  REQUIRE(text);
  auto parsed = parse_record(*text);
  REQUIRE(parsed);
  CHECK(parsed->sender == record.sender);
}

TEST_CASE("the serializer refuses control characters instead of escaping them") {
  HeldRecord record = sample();
  record.sender = "a@b\r\nRecipient: evil@customer.example";
  auto text = serialize_record(record);
  REQUIRE_FALSE(text);
  CHECK(text.error() == "Sender: control character in the value");

  record = sample();
  record.recipients[1].address = "b\n@customer.example";
  CHECK_FALSE(serialize_record(record));
  record = sample();
  record.recipients[0].dsn = "NOTIFY=NEVER\t";
  CHECK_FALSE(serialize_record(record));
  record = sample();
  record.origin.helo = std::string("x\0y", 3);
  CHECK_FALSE(serialize_record(record));
}

TEST_CASE("the serializer refuses a bad id, an unsafe domain and no recipient") {
  HeldRecord record = sample();
  record.id = "../x";
  CHECK_FALSE(serialize_record(record));
  record.id = std::string(65, 'a');
  CHECK_FALSE(serialize_record(record));
  record = sample();
  for (const char* domain : {"", "a/b", "..", ".hidden", "a..b", "Upper.example"}) {
    record.domain = domain;
    CHECK_FALSE(serialize_record(record));
  }
  record = sample();
  record.recipients.clear();
  CHECK_FALSE(serialize_record(record));
  record = sample();
  record.received = Clock::time_point(std::chrono::seconds(-1));
  CHECK_FALSE(serialize_record(record));
}

TEST_CASE("keys may come in any order after the Version line") {
  std::string text = with_line("Id: 0001700000000000.000001.42.1", "");
  text += "Id: 0001700000000000.000001.42.1\n";
  auto parsed = parse_record(text);
  REQUIRE(parsed);
  CHECK(same(*parsed, sample()));
}

TEST_CASE("the parser's errors name the line") {
  CHECK(parse_error(with_line("Origin-Protocol: smtp", "Foo: bar")) == "line 18: unknown key Foo");
  CHECK(parse_error(with_line("Attempts: 3", "Attempts: 3\nAttempts: 4")) == "line 9: second Attempts");
  CHECK(parse_error(with_line("Attempts: 3", "Attempts: 03")) == "line 8: Attempts is not a count");
  CHECK(parse_error(with_line("Attempts: 3", "Attempts: -1")) == "line 8: Attempts is not a count");
  CHECK(parse_error(with_line("Origin-Port: 1025", "Origin-Port: 65536")) == "line 11: Origin-Port is not a port");
  CHECK(parse_error(with_line("Origin-TLS: yes", "Origin-TLS: true")) ==
        "line 13: Origin-TLS is neither yes nor no");
  CHECK(parse_error(with_line("Received: 1700000000", "Received: 1.7e9")) ==
        "line 7: Received is not a time in seconds");
  CHECK(parse_error(with_line("Domain: customer.example", "Domain: ../etc")) ==
        "line 3: Domain is not a domain folder name");
  CHECK(parse_error(with_line("Sender: \"john smith\"@example.org", "Sender \"john smith\"@example.org")) ==
        "line 4: no colon");
  CHECK(parse_error(with_line("Transaction: S7.1", "Transaction:S7.1")) ==
        "line 6: the colon is not followed by one space and a value");
  CHECK(parse_error(with_line("Transaction: S7.1", "Transaction: S7\t1")) == "line 6: control character");
}

TEST_CASE("the parser refuses a record without Version 1 first") {
  CHECK(parse_error(std::string(sample_text).substr(11)) == "line 1: not a Version line");
  CHECK(parse_error(with_line("Version: 1", "Version: 2")) == "line 1: unknown version 2");
}

TEST_CASE("the parser refuses a missing field, a stray Recipient-DSN and no recipient") {
  CHECK(parse_error(with_line("Origin-HELO: client.example.org", "")) == "no Origin-HELO line");
  CHECK(parse_error(with_line("Recipient: b@customer.example", "Recipient-DSN: NOTIFY=NEVER")) ==
        "line 21: Recipient-DSN not right after its Recipient");
  std::string text = with_line("Recipient: b@customer.example", "");
  text = text.substr(0, text.find("Recipient: a@"));
  CHECK(parse_error(text) == "no Recipient line");
}

TEST_CASE("the parser refuses CRLF lines and a record cut short") {
  std::string crlf;
  for (const char c : std::string(sample_text)) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  CHECK(parse_error(crlf) == "line 1: control character");
  const std::string text = sample_text;
  CHECK(parse_error(text.substr(0, text.size() - 1)) == "the last line has no LF");
  CHECK(parse_error("") == "empty record");
}

TEST_CASE("the parser keeps to its limits") {
  RecordLimits limits;
  limits.max_line = 40;
  CHECK(parse_error(sample_text, limits) == "line 14: longer than 40 octets");
  limits = {};
  limits.max_recipients = 1;
  CHECK(parse_error(sample_text, limits) == "line 21: more than 1 recipients");
  limits = {};
  limits.max_size = 100;
  CHECK(parse_error(sample_text, limits).find("over the limit of 100") != std::string::npos);
}
