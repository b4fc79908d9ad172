#include "opes/smtp/server_replies.hpp"

#include <doctest/doctest.h>

namespace opes::smtp::test {

TEST_CASE("RFC 5321 4.3.1: the greeting names the domain and ESMTP") {
  CHECK(greeting("mx.example.org").wire() == "220 mx.example.org ESMTP OPES SMTP proxy\r\n");
  CHECK(greeting("mx.example.org", "").wire() == "220 mx.example.org ESMTP\r\n");
}

TEST_CASE("RFC 5321 4.1.1.1: the EHLO reply has the domain first and a keyword per line") {
  CHECK(ehlo_reply("mx.example.org", "greets client.example",
                   {"PIPELINING", "SIZE 10240000", "8BITMIME", "ENHANCEDSTATUSCODES", "STARTTLS",
                    "SMTPUTF8", "OPES"})
            .wire() ==
        "250-mx.example.org greets client.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
        "250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250-STARTTLS\r\n250-SMTPUTF8\r\n250 OPES\r\n");
  CHECK(ehlo_reply("mx.example.org", "", {}).wire() == "250 mx.example.org\r\n");
}

}  // namespace opes::smtp::test
