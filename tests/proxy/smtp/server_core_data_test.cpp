// ServerCore in data mode (RFC 5321 §4.1.1.4, §4.5.2).
#include <doctest/doctest.h>

#include "opes/smtp/server_core.hpp"
#include "session.hpp"

namespace opes::smtp::test {

TEST_CASE("message content arrives unstuffed and DataEnd awaits the final reply") {
  ServerCore core = core_in_data();
  CHECK(feed(core, "Subject: t\r\n\r\n..dot\r\n.\r\n") ==
        Events{"chunk Subject: t\r\n\r\n.dot\r\n", "end 20"});
  CHECK(core.in_transaction());
  answer(core, "250 2.0.0 Ok: queued as 1234");
  CHECK(core.should_flush());
  CHECK(take_output(core) == "250 2.0.0 Ok: queued as 1234\r\n");
  CHECK_FALSE(core.in_transaction());
  CHECK(feed(core, "RCPT TO:<b@example.com>\r\n").empty());
  CHECK(take_output(core) == "503 5.5.1 Error: need MAIL command\r\n");
}

TEST_CASE("a lone dot right after 354 is an empty message without chunks") {
  ServerCore core = core_in_data();
  CHECK(feed(core, ".\r\n") == Events{"end 0"});
}

TEST_CASE("the end marker split across receives is still found") {
  ServerCore core = core_in_data();
  CHECK(feed(core, "body\r").empty());
  CHECK(feed(core, "\n.").empty());
  CHECK(feed(core, "\r").empty());
  CHECK(feed(core, "\nNOOP\r\n") == Events{"chunk body\r\n", "end 6"});
  answer(core, "250 2.0.0 Ok");
  CHECK(drain(core).empty());
  CHECK(take_output(core) == "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n");
}

TEST_CASE("byte at a time data gives the same events as one shot") {
  ServerLimits limits;
  limits.data_chunk_size = 7;
  const std::string wire =
      "From: a@example.org\r\n\r\n..leading dot\r\n.x\r\n\r\nlast line\r\n.\r\nNOOP\r\n";
  ServerCore whole = core_in_data(limits);
  const Events expected = feed(whole, wire);
  CHECK(expected.size() > 3);
  CHECK(expected.back() == "end 53");
  ServerCore bytewise = core_in_data(limits);
  Events got;
  for (char c : wire) {
    for (auto& event : feed(bytewise, std::string_view(&c, 1))) got.push_back(event);
  }
  CHECK(got == expected);
  std::string joined;
  for (const auto& event : expected) {
    if (event.starts_with("chunk ")) joined += event.substr(6);
  }
  CHECK(joined == "From: a@example.org\r\n\r\n.leading dot\r\nx\r\n\r\nlast line\r\n");
}

TEST_CASE("chunks are cut at the chunk size") {
  ServerLimits limits;
  limits.data_chunk_size = 4;
  ServerCore core = core_in_data(limits);
  CHECK(feed(core, "abcdefghij\r\n.\r\n") ==
        Events{"chunk abcd", "chunk efgh", "chunk ij\r\n", "end 12"});
}

TEST_CASE("bare LF in data is refused at DataEnd and the session stays in step") {
  ServerCore core = core_in_data();
  CHECK(feed(core, "line one\r\nsmuggled\n.\nMAIL FROM:<evil@example.net>\r\n.\r\nNOOP\r\n") ==
        Events{"end refused 550 5.6.0 Bare LF in message data is not allowed"});
  answer(core, "550 5.6.0 Bare LF in message data is not allowed");
  CHECK(drain(core).empty());
  CHECK(take_output(core) ==
        "550 5.6.0 Bare LF in message data is not allowed\r\n250 2.0.0 Ok\r\n");
  CHECK_FALSE(core.in_transaction());
}

TEST_CASE("bare CR in data is refused at DataEnd") {
  ServerCore core = core_in_data();
  CHECK(feed(core, "a\r.\r\n.\r\n") ==
        Events{"end refused 550 5.6.0 Bare CR in message data is not allowed"});
}

TEST_CASE("an oversize message is refused 552 and the next command is read in step") {
  ServerLimits limits;
  limits.max_message_size = 10;
  limits.data_chunk_size = 4;
  ServerCore core = core_in_data(limits);
  CHECK(feed(core, "0123456789abcdef\r\n..\r\n.\r\nMAIL FROM:<a@example.org>\r\n") ==
        Events{"chunk 0123", "chunk 4567",
               "end refused 552 5.3.4 Message size exceeds fixed maximum message size"});
  answer(core, "552 5.3.4 Message size exceeds fixed maximum message size");
  CHECK(drain(core) == Events{"command MAIL FROM:<a@example.org> path=a@example.org"});
}

TEST_CASE("a data line over the limit is refused with 550 5.6.0, not a command error") {
  ServerLimits limits;
  limits.max_data_line = 10;
  limits.max_bad_commands = 1;
  ServerCore core = core_in_data(limits);
  CHECK(feed(core, "12345678\r\n123456789\r\n.\r\n") ==
        Events{"end refused 550 5.6.0 Line too long in message data (limit 10 octets)"});
  answer(core, "550 5.6.0 Line too long in message data (limit 10 octets)");
  CHECK_FALSE(core.closed());  // 500 would count as a bad command (RFC 5321 4.2.2)
}

TEST_CASE("a refused message's DataEnd carries its whole size") {
  const auto end_size = [](ServerCore& core) {
    std::uint64_t size = 0;
    while (auto event = core.next_event()) {
      if (auto* end = std::get_if<DataEnd>(&*event)) size = end->size;
    }
    return size;
  };
  ServerLimits limits;
  limits.max_message_size = 10;
  limits.data_chunk_size = 4;
  ServerCore big = core_in_data(limits);
  big.receive("0123456789abcdef\r\n.\r\n");
  CHECK(end_size(big) == 18);
  ServerCore bare = core_in_data();
  bare.receive("one\r\nt\nwo\r\n.\r\n");
  CHECK(end_size(bare) == 11);  // "one\r\n" "t" "\n" "wo\r\n"
}

TEST_CASE("normalize: bare line ends reach the application as CRLF") {
  ServerOptions options;
  options.bare_line_endings = BareLineEndings::normalize;
  ServerCore core(ServerLimits{}, options);
  core.receive("EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n");
  for (std::string_view reply : {"250 mx", "250 2.1.0 Ok", "250 2.1.5 Ok", "354 Go ahead"}) {
    REQUIRE(drain(core).size() == 1);
    answer(core, reply);
  }
  CHECK(feed(core, "a\nb\r\n.\nc\r.\r\n.\r\n") == Events{"chunk a\r\nb\r\n\r\nc\r\n\r\n", "end 13"});
}

TEST_CASE("commands pipelined after the final dot wait for the DataEnd reply") {
  ServerCore core = core_in_data();
  CHECK(feed(core, "x\r\n.\r\nRSET\r\nQUIT\r\n") == Events{"chunk x\r\n", "end 3"});
  CHECK(drain(core).empty());
  answer(core, "250 2.0.0 Ok");
  CHECK(drain(core) == Events{"reset", "close quit"});
  CHECK(take_output(core) == "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n221 2.0.0 Bye\r\n");
}

TEST_CASE("end of input inside the data gives ClientClosed") {
  ServerCore core = core_in_data();
  CHECK(feed(core, "partial\r\n").empty());
  core.receive_eof();
  CHECK(drain(core) == Events{"client closed"});
  CHECK(core.closed());
}

TEST_CASE("data is not read as commands when DATA is refused") {
  ServerCore core = greeted_core();
  core.receive("MAIL FROM:<>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n");
  CHECK(drain(core).size() == 1);
  answer(core, "250 Ok");
  CHECK(drain(core).size() == 1);
  answer(core, "250 Ok");
  CHECK(drain(core) == Events{"command DATA"});
  answer(core, "451 4.3.0 Try later");
  CHECK(feed(core, "NOOP\r\n").empty());
  CHECK(take_output(core) == "250 Ok\r\n250 Ok\r\n451 4.3.0 Try later\r\n250 2.0.0 Ok\r\n");
}

}  // namespace opes::smtp::test
