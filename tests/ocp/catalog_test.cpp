// Each of the 24 OCP Core messages (RFC 4037 §11): bytes decode to the typed
// message, the typed message encodes to the same bytes, and a message that
// breaks its declaration is refused with the message and parameter named.

#include <doctest/doctest.h>

#include <set>

#include "ocp/catalog.hpp"
#include "ocp/serializer.hpp"
#include "ocp/stream_parser.hpp"

namespace ocp {

namespace {

Feature feature(std::string uri) { return Feature{std::move(uri), {}}; }
Service service(std::string uri) { return Service{std::move(uri), {}}; }

struct Example {
  const char* bytes;
  AnyMessage typed;
};

std::vector<Example> examples() {
  std::vector<Example> all;
  all.push_back({"CS;\r\n", ConnectionStart{}});
  all.push_back({"CE;\r\n", ConnectionEnd{}});
  {
    ConnectionEnd m;
    m.result = Result{400, "lack of support", {}};
    all.push_back({"CE {400 \"15:lack of support\"};\r\n", m});
  }
  {
    ServiceGroupCreated m;
    m.sg_id = ServiceGroupId{11};
    m.services = {service("ocp-test.example.com/url-filter"), service("urn:x")};
    all.push_back({"SGC 11 ({\"31:ocp-test.example.com/url-filter\"},{\"5:urn:x\"});\r\n", m});
  }
  {
    ServiceGroupDestroyed m;
    m.sg_id = ServiceGroupId{11};
    all.push_back({"SGD 11;\r\n", m});
  }
  {
    TransactionStart m;
    m.xid = Xid{55};
    m.sg_id = ServiceGroupId{11};
    all.push_back({"TS 55 11;\r\n", m});
  }
  {
    TransactionEnd m;
    m.xid = Xid{55};
    all.push_back({"TE 55;\r\n", m});
    m.result = Result{200, "OK", {}};
    all.push_back({"TE 55 {200 OK};\r\n", m});
  }
  {
    ApplicationMessageStart m;
    m.xid = Xid{55};
    all.push_back({"AMS 55;\r\n", m});
    m.services = std::vector<Service>{service("a:b")};
    all.push_back({"AMS 55\r\nServices: ({\"3:a:b\"})\r\n;\r\n", m});
  }
  {
    ApplicationMessageEnd m;
    m.xid = Xid{55};
    m.result = Result{206, "partial", {}};
    all.push_back({"AME 55 {206 partial};\r\n", m});
  }
  {
    DataUseMine m;
    m.xid = Xid{1};
    m.my_offset = 13;
    m.modp = Percent{75};
    m.payload = SharedBytes::copy_of("hello");
    all.push_back({"DUM 1 13\r\nModp: 75\r\n\r\n5:hello\r\n;\r\n", m});
    m.modp.reset();
    m.as_is = 0;
    m.payload = SharedBytes::copy_of("");
    all.push_back({"DUM 1 13\r\nAs-is: 0\r\n\r\n0:\r\n;\r\n", m});
  }
  {
    DataUseYours m;
    m.xid = Xid{3};
    m.org_offset = 10;
    m.org_size = 20;
    all.push_back({"DUY 3 10 20;\r\n", m});
  }
  {
    DataPreservationInterest m;
    m.xid = Xid{3};
    m.org_offset = 0;
    m.org_size = 2147483647;
    all.push_back({"DPI 3 0 2147483647;\r\n", m});
  }
  {
    WantStopReceivingData m;
    m.xid = Xid{3};
    m.org_size = 1024;
    all.push_back({"DWSR 3 1024;\r\n", m});
  }
  {
    WantStopSendingData m;
    m.xid = Xid{3};
    all.push_back({"DWSS 3;\r\n", m});
  }
  {
    StopSendingData m;
    m.xid = Xid{3};
    all.push_back({"DSS 3;\r\n", m});
  }
  {
    WantDataPaused m;
    m.xid = Xid{22};
    m.your_offset = 16;
    all.push_back({"DWP 22 16;\r\n", m});
  }
  {
    PausedMyData m;
    m.xid = Xid{22};
    all.push_back({"DPM 22;\r\n", m});
  }
  {
    WantMoreData m;
    m.xid = Xid{22};
    all.push_back({"DWM 22;\r\n", m});
  }
  {
    NegotiationOffer m;
    all.push_back({"NO ();\r\n", m});
    m.features = {feature("ocp://feature/example/")};
    m.offer_pending = false;
    m.sg_id = ServiceGroupId{5};
    all.push_back(
        {"NO ({\"22:ocp://feature/example/\"})\r\nSG: 5\r\nOffer-Pending: false\r\n;\r\n", m});
  }
  {
    NegotiationResponse m;
    all.push_back({"NR;\r\n", m});
    m.feature = feature("ocp://example/encryption/strongB");
    all.push_back({"NR {\"32:ocp://example/encryption/strongB\"};\r\n", m});
    m.feature.reset();
    m.rejects = std::vector<Feature>{feature("a:b")};
    m.unknowns = std::vector<Feature>{feature("ocp://example/storage/volatile")};
    m.offer_pending = true;
    all.push_back({"NR\r\nRejects: ({\"3:a:b\"})\r\nUnknowns: ({\"30:ocp://example/storage/volatile\"})\r\n"
                   "Offer-Pending: true\r\n;\r\n",
                   m});
  }
  {
    AbilityQuery m;
    m.feature = feature("a:b");
    all.push_back({"AQ {\"3:a:b\"};\r\n", m});
  }
  {
    AbilityAnswer m;
    m.supported = true;
    all.push_back({"AA true;\r\n", m});
  }
  {
    all.push_back({"PQ;\r\n", ProgressQuery{}});
    ProgressQuery m;
    m.xid = Xid{9};
    all.push_back({"PQ 9;\r\n", m});
  }
  {
    ProgressAnswer m;
    all.push_back({"PA;\r\n", m});
    m.xid = Xid{9};
    m.org_data = 4096;
    all.push_back({"PA 9\r\nOrg-Data: 4096\r\n;\r\n", m});
  }
  {
    ProgressReport m;
    m.xid = Xid{9};
    m.org_data = 0;
    all.push_back({"PR 9\r\nOrg-Data: 0\r\n;\r\n", m});
  }
  return all;
}

std::string decode_error(std::string_view bytes) {
  auto message = parse_message(bytes);
  REQUIRE_MESSAGE(message, (message ? "" : message.error().describe()));
  auto decoded = decode(*message);
  REQUIRE_FALSE(decoded);
  return decoded.error().describe();
}

}  // namespace

TEST_CASE("every catalog message decodes from its bytes and encodes back to them") {
  std::set<std::string_view> covered;
  for (const Example& example : examples()) {
    CAPTURE(example.bytes);
    auto message = parse_message(example.bytes);
    REQUIRE_MESSAGE(message, (message ? "" : message.error().describe()));
    auto decoded = decode(*message);
    REQUIRE_MESSAGE(decoded, (decoded ? "" : decoded.error().describe()));
    CHECK(decoded->index() == example.typed.index());
    CHECK(*decoded == example.typed);
    CHECK(serialize(encode(example.typed)) == example.bytes);
    covered.insert(name_of(example.typed));
  }
  CHECK(covered.size() == 24);
}

TEST_CASE("a missing required parameter names the message and the parameter") {
  CHECK(decode_error("SGC 1;\r\n") == "SGC: parameter 'services': missing required anonymous parameter");
  CHECK(decode_error("SGD;\r\n") == "SGD: parameter 'my-sg-id': missing required anonymous parameter");
  CHECK(decode_error("TS 1;\r\n") == "TS: parameter 'my-sg-id': missing required anonymous parameter");
  CHECK(decode_error("TE;\r\n") == "TE: parameter 'xid': missing required anonymous parameter");
  CHECK(decode_error("AMS;\r\n") == "AMS: parameter 'xid': missing required anonymous parameter");
  CHECK(decode_error("AME;\r\n") == "AME: parameter 'xid': missing required anonymous parameter");
  CHECK(decode_error("DUM 1;\r\n") == "DUM: parameter 'my-offset': missing required anonymous parameter");
  CHECK(decode_error("DUM 1 0;\r\n") == "DUM: parameter 'payload': missing required payload");
  CHECK(decode_error("DUY 1 0;\r\n") == "DUY: parameter 'org-size': missing required anonymous parameter");
  CHECK(decode_error("DPI 1;\r\n") == "DPI: parameter 'org-offset': missing required anonymous parameter");
  CHECK(decode_error("DWSR 1;\r\n") == "DWSR: parameter 'org-size': missing required anonymous parameter");
  CHECK(decode_error("DWSS;\r\n") == "DWSS: parameter 'xid': missing required anonymous parameter");
  CHECK(decode_error("DSS;\r\n") == "DSS: parameter 'xid': missing required anonymous parameter");
  CHECK(decode_error("DWP 1;\r\n") == "DWP: parameter 'your-offset': missing required anonymous parameter");
  CHECK(decode_error("DPM;\r\n") == "DPM: parameter 'xid': missing required anonymous parameter");
  CHECK(decode_error("DWM;\r\n") == "DWM: parameter 'xid': missing required anonymous parameter");
  CHECK(decode_error("NO;\r\n") == "NO: parameter 'features': missing required anonymous parameter");
  CHECK(decode_error("AQ;\r\n") == "AQ: parameter 'feature': missing required anonymous parameter");
  CHECK(decode_error("AA;\r\n") == "AA: parameter 'boolean': missing required anonymous parameter");
}

TEST_CASE("a value of the wrong type names the message, the parameter and the fault") {
  CHECK(decode_error("CE 400;\r\n") == "CE: parameter 'result': result must be a structure, not an atom");
  CHECK(decode_error("SGC 1 {\"3:a:b\"};\r\n") ==
        "SGC: parameter 'services': services must be a list, not a structure");
  CHECK(decode_error("TS 01 2;\r\n") == "TS: parameter 'xid': '01' has a leading zero");
  CHECK(decode_error("TE 1 ok;\r\n") == "TE: parameter 'result': result must be a structure, not an atom");
  CHECK(decode_error("AMS 1\r\nServices: x\r\n;\r\n") ==
        "AMS: parameter 'Services': services must be a list, not an atom");
  CHECK(decode_error("AME 1 {x};\r\n") ==
        "AME: parameter 'result': result status code: 'x' is not a decimal number");
  CHECK(decode_error("DUM 1 0\r\nModp: 101\r\n\r\n0:\r\n;\r\n") ==
        "DUM: parameter 'Modp': 101 is not a percentage (0 to 100)");
  CHECK(decode_error("DUM 1 0\r\nAs-is: -\r\n\r\n0:\r\n;\r\n") ==
        "DUM: parameter 'As-is': '-' is not a decimal number");
  CHECK(decode_error("DUY 1 0 2147483648;\r\n") ==
        "DUY: parameter 'org-size': '2147483648' exceeds 2147483647");
  CHECK(decode_error("DPI 1 () 0;\r\n") ==
        "DPI: parameter 'org-offset': a number must be an atom, not a list");
  CHECK(decode_error("DWSR x 1;\r\n") == "DWSR: parameter 'xid': 'x' is not a decimal number");
  CHECK(decode_error("DWSS {};\r\n") == "DWSS: parameter 'xid': a number must be an atom, not a structure");
  CHECK(decode_error("DSS \"0:\";\r\n") == "DSS: parameter 'xid': empty value is not a number");
  CHECK(decode_error("DWP 1 x;\r\n") == "DWP: parameter 'your-offset': 'x' is not a decimal number");
  CHECK(decode_error("DPM 1a;\r\n") == "DPM: parameter 'xid': '1a' is not a decimal number");
  CHECK(decode_error("DWM 1\r\nSize-request: big\r\n;\r\n") ==
        "DWM: parameter 'Size-request': 'big' is not a decimal number");
  CHECK(decode_error("NO ()\r\nOffer-Pending: yes\r\n;\r\n") ==
        "NO: parameter 'Offer-Pending': 'yes' is not a boolean (true or false)");
  CHECK(decode_error("NR {};\r\n") ==
        "NR: parameter 'feature': feature has no uri");
  CHECK(decode_error("NR\r\nSG: -\r\n;\r\n") == "NR: parameter 'SG': '-' is not a decimal number");
  CHECK(decode_error("AQ x;\r\n") == "AQ: parameter 'feature': feature must be a structure, not an atom");
  CHECK(decode_error("AA 1;\r\n") == "AA: parameter 'boolean': '1' is not a boolean (true or false)");
  CHECK(decode_error("PQ -;\r\n") == "PQ: parameter 'xid': '-' is not a decimal number");
  CHECK(decode_error("PA 1\r\nOrg-Data: ()\r\n;\r\n") ==
        "PA: parameter 'Org-Data': a number must be an atom, not a list");
  CHECK(decode_error("PR x;\r\n") ==
        "PR: parameter 'xid': 'x' is not a decimal number");
  CHECK(decode_error("CS {}\r\nX: 1\r\nX: 2\r\n;\r\n") ==
        "CS: parameter 'X': named parameter appears more than once");
}

TEST_CASE("a message name Core does not define decodes as unknown and encodes unchanged") {
  const auto message = parse_message("X-Trace 1 (a)\r\nK: v\r\n\r\n1:p\r\n;\r\n");
  REQUIRE(message);
  auto decoded = decode(*message);
  REQUIRE(decoded);
  REQUIRE(std::holds_alternative<UnknownMessage>(*decoded));
  CHECK(name_of(*decoded) == "X-Trace");
  CHECK(encode(*decoded) == *message);
  // Names are case-sensitive (§3.1): "dum" is not DUM.
  CHECK(std::holds_alternative<UnknownMessage>(*decode(*parse_message("dum 1 0;\r\n"))));
}

}  // namespace ocp
