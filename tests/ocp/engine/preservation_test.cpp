// RFC 4037 §7, §11.9–§11.11 and: data preservation, byte for byte.

#include <doctest/doctest.h>

#include "harness.hpp"

namespace ocp::engine::test {

namespace {

DataOptions kept(std::uint32_t offset, std::optional<std::uint32_t> size) {
  DataOptions o;
  o.kept = Kept{offset, size};
  return o;
}

}  // namespace

TEST_CASE("the processor resolves a DUY into the preserved octets it announced") {
  Connection p = ready_processor();
  REQUIRE(p.send_data(Xid{1}, SharedBytes::copy_of("hello "), kept(0, 11)));
  REQUIRE(p.send_data(Xid{1}, SharedBytes::copy_of("world")));
  CHECK(take(p) == "DUM 1 0\r\nKept: 0 11\r\n\r\n6:hello \r\n;\r\nDUM 1 6\r\n5:world\r\n;\r\n");
  // Adapted: "HELLO " by DUM, then DUY of "world" (counts 5 adapted octets), then "!".
  p.receive("DUM 1 0\r\n6:HELLO \r\n;\r\nDUY 1 6 5;\r\nDUM 1 11\r\n1:!\r\n;\r\n", t0);
  CHECK(take(p).empty());
  auto all = events(p);
  REQUIRE(all.size() == 3);
  const auto& used = std::get<PreservedDataUsed>(all[1]);
  CHECK(used.org_offset == 6);
  CHECK(used.org_size == 5);
  CHECK(used.adapted_offset == 6);
  CHECK(used.bytes.view() == "world");
  CHECK(std::get<DataReceived>(all[2]).offset == 11);
}

TEST_CASE("a DUY spanning two sent chunks is joined") {
  Connection p = ready_processor();
  REQUIRE(p.send_data(Xid{1}, SharedBytes::copy_of("abc"), kept(0, 6)));
  REQUIRE(p.send_data(Xid{1}, SharedBytes::copy_of("def")));
  take(p);
  p.receive("DUY 1 1 4;\r\n", t0);
  CHECK(find_event<PreservedDataUsed>(events(p))->bytes.view() == "bcde");
}

TEST_CASE("a DUY outside the preserved data ends the transaction (A-18)") {
  SUBCASE("beyond the Kept range") {
    Connection p = ready_processor();
    REQUIRE(p.send_data(Xid{1}, SharedBytes::copy_of("abcdef"), kept(0, 3)));
    take(p);
    p.receive("DUY 1 2 2;\r\n", t0);
    CHECK(take(p) == "TE 1 {400 \"26:DUY outside preserved data\"};\r\n");
  }
  SUBCASE("no Kept at all") {
    Connection p = ready_processor();
    REQUIRE(p.send_data(Xid{1}, SharedBytes::copy_of("abc")));
    take(p);
    p.receive("DUY 1 0 1;\r\n", t0);
    CHECK(take(p) == te400(1, "DUY outside preserved data"));
  }
  SUBCASE("an offset-only Kept announces nothing (A-3)") {
    Connection p = ready_processor();
    REQUIRE(p.send_data(Xid{1}, SharedBytes::copy_of("abc"), kept(0, std::nullopt)));
    CHECK(take(p) == "DUM 1 0\r\nKept: 0\r\n\r\n3:abc\r\n;\r\n");
    p.receive("DUY 1 0 1;\r\n", t0);
    CHECK(take(p) == te400(1, "DUY outside preserved data"));
  }
  SUBCASE("octets not yet sent") {
    Connection p = ready_processor();
    REQUIRE(p.send_data(Xid{1}, SharedBytes::copy_of("ab"), kept(0, 10)));
    take(p);
    p.receive("DUY 1 0 4;\r\n", t0);
    CHECK(take(p) == te400(1, "DUY outside preserved data"));
  }
}

TEST_CASE("DPI narrows what the processor keeps, a growing DPI ends the transaction") {
  Connection p = ready_processor();
  REQUIRE(p.send_data(Xid{1}, SharedBytes::copy_of("abcdef"), kept(0, 6)));
  take(p);
  p.receive("DPI 1 2 2;\r\n", t0);
  auto interest = find_event<PreservationInterest>(events(p));
  REQUIRE(interest);
  CHECK(interest->org_offset == 2);
  p.receive("DUY 1 2 2;\r\n", t0);
  CHECK(find_event<PreservedDataUsed>(events(p))->bytes.view() == "cd");
  SUBCASE("dropped octets can no longer be used") {
    p.receive("DUY 1 0 1;\r\n", t0);
    CHECK(take(p) == te400(1, "DUY outside preserved data"));
  }
  SUBCASE("a DPI may not grow the reusable range") {
    p.receive("DPI 1 0 6;\r\n", t0);
    CHECK(take(p) == te400(1, "DPI grows the reusable range"));
  }
}

TEST_CASE("the processor's own AME does not release preserved data (A-12)") {
  Connection p = ready_processor();
  REQUIRE(p.send_data(Xid{1}, SharedBytes::copy_of("abc"), kept(0, 3)));
  REQUIRE(p.end_application_message(Xid{1}));
  take(p);
  p.receive("DUY 1 0 3;\r\n", t0);
  CHECK(take(p).empty());
  CHECK(find_event<PreservedDataUsed>(events(p))->bytes.view() == "abc");
}

TEST_CASE("the processor's Kept must keep its promises and its limit") {
  Config c = config(Role::processor);
  c.limits.max_preserved_bytes = 8;
  Connection p = ready_processor(true, c);
  CHECK(p.send_data(Xid{1}, SharedBytes::copy_of("x"), kept(0, 9)).error().reason ==
        "Kept size exceeds the preservation limit");
  REQUIRE(p.send_data(Xid{1}, SharedBytes::copy_of("abc"), kept(0, 4)));
  CHECK(p.send_data(Xid{1}, SharedBytes::copy_of("d"), kept(1, 4)).error().reason ==
        "Kept drops octets already promised");
  // Growing is fine; naming data not sent yet is fine.
  REQUIRE(p.send_data(Xid{1}, SharedBytes::copy_of("d"), kept(0, 8)));
  Connection q = ready_processor(true, c);
  REQUIRE(q.send_data(Xid{1}, SharedBytes::copy_of("abc")));
  CHECK(q.send_data(Xid{1}, SharedBytes::copy_of("d"), kept(0, 4)).error().reason ==
        "Kept names sent octets that were not preserved");
  CHECK(q.send_data(Xid{1}, SharedBytes::copy_of("d"), kept(3, 4)));
}

TEST_CASE("the callout server DUYs only inside Kept and DPI") {
  Connection s = ready_server(5);
  s.receive("DUM 5 0\r\nKept: 0 10\r\n\r\n10:0123456789\r\n;\r\n", t0);
  auto received = find_event<DataReceived>(events(s));
  REQUIRE(received);
  REQUIRE(received->kept);
  CHECK(received->kept->size == 10u);
  REQUIRE(s.start_application_message(Xid{5}));
  REQUIRE(s.use_yours(Xid{5}, 0, 4));
  REQUIRE(s.send_data(Xid{5}, SharedBytes::copy_of("x")));
  REQUIRE(s.preservation_interest(Xid{5}, 5, 5));
  CHECK(s.use_yours(Xid{5}, 2, 4).error().reason == "DUY range is not preserved");
  CHECK(s.preservation_interest(Xid{5}, 0, 10).error().reason ==
        "DPI would grow the reusable range");
  REQUIRE(s.use_yours(Xid{5}, 5, 5));
  CHECK(take(s) == "AMS 5;\r\nDUY 5 0 4;\r\nDUM 5 4\r\n1:x\r\n;\r\nDPI 5 5 5;\r\nDUY 5 5 5;\r\n");
}

TEST_CASE("an offset-only Kept stops the server from ever using DUY (A-3)") {
  Connection s = ready_server(5);
  s.receive("DUM 5 0\r\nKept: 0\r\n\r\n3:abc\r\n;\r\nDUM 5 3\r\nKept: 0 6\r\n\r\n3:def\r\n;\r\n", t0);
  CHECK(take(s).empty());
  REQUIRE(s.start_application_message(Xid{5}));
  CHECK(s.use_yours(Xid{5}, 0, 3).error().reason == "DUY range is not preserved");
}

TEST_CASE("a Kept that breaks the rules after a DUY ends the transaction") {
  Connection s = ready_server(5);
  s.receive("DUM 5 0\r\nKept: 0 6\r\n\r\n3:abc\r\n;\r\n", t0);
  REQUIRE(s.start_application_message(Xid{5}));
  REQUIRE(s.use_yours(Xid{5}, 0, 3));
  take(s);
  s.receive("DUM 5 3\r\nKept: 3 3\r\n\r\n3:def\r\n;\r\n", t0);
  CHECK(take(s) == te400(5, "Kept breaks the preservation rules after DUY"));
}

TEST_CASE("a Kept that breaks the rules before any DUY only poisons preservation") {
  Connection s = ready_server(5);
  s.receive("DUM 5 0\r\nKept: 0 6\r\n\r\n3:abc\r\n;\r\nDUM 5 3\r\nKept: 3 3\r\n\r\n3:def\r\n;\r\n", t0);
  CHECK(take(s).empty());
  REQUIRE(s.start_application_message(Xid{5}));
  CHECK_FALSE(s.use_yours(Xid{5}, 3, 3));
}

TEST_CASE("DUY counts as data for pausing and for offsets (A-14)") {
  Connection p = ready_processor();
  REQUIRE(p.send_data(Xid{1}, SharedBytes::copy_of("abc"), kept(0, 3)));
  REQUIRE(p.want_paused(Xid{1}, 0));
  take(p);
  p.receive("DPM 1;\r\nDUY 1 0 3;\r\n", t0);
  CHECK(take(p) == te400(1, "data after DPM"));

  Connection s = ready_server(5);
  s.receive("DUM 5 0\r\nKept: 0 3\r\n\r\n3:abc\r\n;\r\n", t0);
  REQUIRE(s.start_application_message(Xid{5}));
  s.receive("DWP 5 2;\r\n", t0);
  CHECK(s.use_yours(Xid{5}, 0, 3).error().reason == "data would pass the pause offset 2");
  REQUIRE(s.use_yours(Xid{5}, 0, 2));
  CHECK(take(s) == "AMS 5;\r\nDUY 5 0 2;\r\nDPM 5;\r\n");
}

TEST_CASE("a DUY carries profile parameters both ways, and can_use_yours says when DUY is possible") {
  Connection s = ready_server(5);
  s.receive("DUM 5 0\r\nKept: 0 3\r\n\r\n3:abc\r\n;\r\n", t0);
  REQUIRE(s.start_application_message(Xid{5}));
  CHECK(s.can_use_yours(Xid{5}, 0, 3));
  CHECK_FALSE(s.can_use_yours(Xid{5}, 0, 4));
  CHECK_FALSE(s.can_use_yours(Xid{6}, 0, 1));
  Extensions extensions;
  extensions.named.push_back(NamedValue{"Add-Header", Value(Atom{"X-A: 1"}), {}});
  REQUIRE(s.use_yours(Xid{5}, 0, 3, extensions));
  const std::string duy = take(s);
  CHECK(duy == "AMS 5;\r\nDUY 5 0 3\r\nAdd-Header: \"6:X-A: 1\"\r\n;\r\n");

  Connection p = ready_processor();
  REQUIRE(p.send_data(Xid{1}, SharedBytes::copy_of("abc"), kept(0, 3)));
  take(p);
  p.receive("DUY 1 0 3\r\nAdd-Header: \"6:X-A: 1\"\r\n;\r\n", t0);
  const auto used = find_event<PreservedDataUsed>(events(p));
  REQUIRE(used);
  CHECK(used->bytes.view() == "abc");
  REQUIRE(used->extensions.find("Add-Header"));
}

}  // namespace ocp::engine::test
