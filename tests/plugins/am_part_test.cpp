#include "opes/plugin_host/am_part.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace am_part = opes::plugin_host::am_part;
using Parts = std::vector<std::string>;

TEST_CASE("am-part selection: the draft's second negotiation example is accepted") {
  // draft-ietf-opes-smtp-00 Figure 5, with -Parts spelling (ocp-digest A-19).
  CHECK(am_part::check_selection(Parts{"MAIL", "RCPT"}, Parts{"EHLO", "SINGLEHEADERS"},
                                 Parts{"From", "To", "Reply-To", "Received"}));
}

TEST_CASE("am-part selection: mutually exclusive parts are refused (§3.2.1)") {
  // The pairs are ocp::smtp::mutually_exclusive's (tests/ocp/smtp/am_part_test.cpp).
  const auto adaptive_only = am_part::check_selection(Parts{"RAWDATA", "BODY"}, {}, {});
  REQUIRE_FALSE(adaptive_only);
  CHECK(adaptive_only.error() ==
        "RAWDATA and BODY are mutually exclusive (draft-ietf-opes-smtp-00 §3.2.1)");
  // Across the two lists too.
  CHECK_FALSE(am_part::check_selection(Parts{"BODY"}, Parts{"SECTIONS"}, {}));
  CHECK_FALSE(am_part::check_selection(Parts{"ALLHEADERS"}, Parts{"SINGLEHEADERS"}, Parts{"*"}));
  CHECK(am_part::check_selection(Parts{"ALLHEADERS", "BODY"}, {}, {}));
}

TEST_CASE("am-part selection: a part is adaptive or informative, never both (§3.2.4)") {
  const auto both = am_part::check_selection(Parts{"RCPT"}, Parts{"RCPT"}, {});
  REQUIRE_FALSE(both);
  CHECK(both.error() == "am-part RCPT is listed twice");
  CHECK_FALSE(am_part::check_selection(Parts{"MAIL", "MAIL"}, {}, {}));
}

TEST_CASE("am-part selection: DATA, RSET and QUIT are never parts (§3.1)") {
  // In any case: SMTP commands are case-insensitive (RFC 5321 §2.4).
  for (const char* forbidden : {"DATA", "RSET", "QUIT", "data", "Rset"}) {
    CAPTURE(forbidden);
    CHECK_FALSE(am_part::check_selection(Parts{forbidden}, {}, {}));
  }
  CHECK(am_part::check_selection(Parts{"VIPNAME"}, {}, {}));  // an extension command (§3.4.2)
  CHECK_FALSE(am_part::check_selection(Parts{"NOT A PART"}, {}, {}));
  CHECK_FALSE(am_part::check_selection(Parts{std::string(65, 'X')}, {}, {}));
  CHECK_FALSE(am_part::check_selection({}, {}, {}));
}

TEST_CASE("am-part selection: a header list goes with SINGLEHEADERS and only with it (§3.2.5)") {
  CHECK_FALSE(am_part::check_selection(Parts{"SINGLEHEADERS"}, {}, {}));
  CHECK_FALSE(am_part::check_selection(Parts{"RAWDATA"}, {}, Parts{"Subject"}));
  CHECK(am_part::check_selection({}, Parts{"SINGLEHEADERS"}, Parts{"*"}));
  CHECK_FALSE(am_part::check_selection({}, Parts{"SINGLEHEADERS"}, Parts{"Sub ject"}));
}

TEST_CASE("am-parts: only the four data parts may be split, and SINGLEHEADERS is content") {
  for (const char* p : {"RAWDATA", "ALLHEADERS", "BODY", "SECTIONS"}) {
    CHECK(am_part::is_fragmentable(p));
    CHECK(am_part::is_content(p));
  }
  CHECK_FALSE(am_part::is_fragmentable("SINGLEHEADERS"));
  CHECK(am_part::is_content("SINGLEHEADERS"));
  for (const char* p : {"EHLO", "HELO", "MAIL", "RCPT", "VRFY", "EXPN", "VIPNAME"}) {
    CHECK_FALSE(am_part::is_fragmentable(p));
    CHECK_FALSE(am_part::is_content(p));
  }
}
