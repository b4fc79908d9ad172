#pragma once
// Test support: a CalloutLink driven by hand-written peer bytes, or wired to
// the project's real callout server (its sans-I/O handler with real
// plugins), with the bytes each side sent kept for byte-exact checks.

#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "opes/callout/callout_handler.hpp"
#include "opes/callout/service_catalog.hpp"
#include "opes/processor/callout_link.hpp"

namespace opes::processor::test {

using namespace std::chrono_literals;
using ocp::smtp::AmPart;

inline const TimePoint t0 = TimePoint{} + std::chrono::hours(1);

/// `"N:text"`: how OCP quotes an atom with spaces or special octets.
inline std::string atom(std::string_view text) {
  return "\"" + std::to_string(text.size()) + ":" + std::string(text) + "\"";
}

inline const std::string kReceiverUri = atom("http://iana.org/opes/ocp/SMTP/receiver");
inline const std::string kAllowAll = "Allow: (SMTP-Error,Advice,Add-Header)\r\n";

/// `DUM xid offset` with named parameter lines (each ending CRLF) and a payload.
inline std::string dum(unsigned xid, unsigned offset, std::string_view named,
                       std::string_view data) {
  return "DUM " + std::to_string(xid) + " " + std::to_string(offset) + "\r\n" + std::string(named) +
         "\r\n" + std::to_string(data.size()) + ":" + std::string(data) + "\r\n;\r\n";
}

inline std::string take(CalloutLink& link) {
  std::string out(link.pending_output());
  link.consume_output(out.size());
  return out;
}

inline std::vector<LinkEvent> events(CalloutLink& link) {
  std::vector<LinkEvent> all;
  while (auto e = link.next_event()) all.push_back(std::move(*e));
  return all;
}

template <class T>
std::vector<T> all_of(const std::vector<LinkEvent>& all) {
  std::vector<T> found;
  for (const auto& e : all) {
    if (auto p = std::get_if<T>(&e)) found.push_back(*p);
  }
  return found;
}

template <class T>
std::optional<T> first_of(const std::vector<LinkEvent>& all) {
  auto found = all_of<T>(all);
  if (found.empty()) return std::nullopt;
  return found.front();
}

inline LinkSettings settings_for(std::vector<std::vector<std::string>> groups) {
  LinkSettings settings;
  settings.service_groups = std::move(groups);
  return settings;
}

/// What the default offer of LinkSettings looks like on the wire.
inline const std::string kDefaultOffer =
    "CS;\r\nNO ({" + kReceiverUri +
    "\r\nAdaptive-Parts: (MAIL,RCPT,VRFY,EXPN,RAWDATA,ALLHEADERS,SINGLEHEADERS,BODY,SECTIONS)"
    "\r\nInformative-Parts: (IP,EHLO,HELO)\r\n});\r\n";

/// A link to a hand-driven peer that accepted `adaptive` and `informative`
/// parts, with service group 0 = ({svc}) created; its output taken.
inline CalloutLink negotiated_link(std::string_view adaptive = "(MAIL,RCPT,RAWDATA)",
                                   std::string_view informative = "",
                                   LinkSettings settings = settings_for({{"svc"}})) {
  CalloutLink link(std::move(settings), t0);
  CHECK(take(link) == kDefaultOffer);
  std::string nr =
      "CS;\r\nNR {" + kReceiverUri + "\r\nAdaptive-Parts: " + std::string(adaptive) + "\r\n";
  if (!informative.empty()) nr += "Informative-Parts: " + std::string(informative) + "\r\n";
  link.receive(nr + "};\r\n", t0);
  CHECK(take(link) == "SGC 1 ({svc});\r\n");
  CHECK(link.ready());
  events(link);
  return link;
}

// ---- the real callout server ------------------------------------------------------

constexpr std::string_view kFilter = "urn:opes-smtp:service:content-filter";
constexpr std::string_view kStamp = "urn:opes-smtp:service:header-stamp";
constexpr std::string_view kRecipientMap = "urn:opes-smtp:service:recipient-map";
constexpr std::string_view kThrowing = "urn:test:throwing";

inline std::string recipient_map_file() {
  static const std::string path = [] {
    auto file = std::filesystem::temp_directory_path() /
                ("processor-callout-test-" + std::to_string(::getpid()) + ".map");
    std::ofstream(file) << "# old new\npaul@example.com  paul.smith@example.net\n";
    return file.string();
  }();
  return path;
}

/// The real services; `extra` is inserted as further top-level keys
/// (e.g. `, "limits": {...}`).
inline std::shared_ptr<const callout::ServiceCatalog> build_real_catalog(std::string_view extra) {
  std::string json = std::string(R"({"listeners": [{"port": 0}],
    "plugins": [{"name": "stamp", "path": ")") +
                           OPES_HEADER_STAMP_SO + R"("},
                {"name": "filter", "path": ")" +
                           OPES_CONTENT_FILTER_SO + R"("},
                {"name": "rmap", "path": ")" +
                           OPES_RECIPIENT_MAP_SO + R"("},
                {"name": "throwing", "path": ")" +
                           OPES_THROWING_SO + R"("}],
    "services": [
      {"name": "content-filter", "uri": "urn:opes-smtp:service:content-filter", "plugin": "filter",
       "options": {"patterns": ["forbidden words"], "reply": "550 5.7.1 Message content rejected"}},
      {"name": "header-stamp", "uri": "urn:opes-smtp:service:header-stamp", "plugin": "stamp",
       "options": {"name": "X-Scanned-By", "value": "OPES-SMTP test"}},
      {"name": "recipient-map", "uri": "urn:opes-smtp:service:recipient-map", "plugin": "rmap",
       "options": {"map_file": ")" +
                           recipient_map_file() + R"("}},
      {"name": "throwing", "uri": "urn:test:throwing", "plugin": "throwing"}],
    "profiles": {"receiver": ["content-filter", "header-stamp", "recipient-map", "throwing"]}})";
  json.insert(json.rfind('}'), extra);
  auto config = callout::parse_config(json);
  REQUIRE_MESSAGE(config.has_value(),
                  (config ? std::string() : config.error().front().describe()));
  auto built = callout::ServiceCatalog::build(*config);
  for (const std::string& problem : built.problems) FAIL_CHECK(problem);
  return built.catalog;
}

inline std::shared_ptr<const callout::ServiceCatalog> real_catalog() {
  static const auto catalog = build_real_catalog("");
  return catalog;
}

/// A CalloutLink and the real callout server's handler, wired back to back.
class RealServer {
 public:
  explicit RealServer(LinkSettings settings,
                      std::shared_ptr<const callout::ServiceCatalog> catalog = real_catalog())
      : link(std::move(settings), now),
        server(callout::make_callout_handler(std::move(catalog),
                                             callout::PeerInfo{"127.0.0.1:4242", false, {}}, now)) {
    pump();
  }

  /// Moves bytes both ways until neither side has anything to say.
  void pump() {
    for (int round = 0; round < 1000; ++round) {
      std::string up(link.pending_output());
      link.consume_output(up.size());
      to_server += up;
      if (!up.empty()) server->receive(up, now);
      std::string down(server->pending_output());
      server->consume_output(down.size());
      to_link += down;
      if (!down.empty()) link.receive(down, now);
      if (up.empty() && down.empty()) return;
    }
    FAIL("the link and the server never go quiet");
  }

  /// What the link sent since the last call.
  std::string sent() { return std::exchange(to_server, {}); }
  /// What the server sent since the last call.
  std::string received() { return std::exchange(to_link, {}); }
  std::vector<LinkEvent> events() { return test::events(link); }

  TimePoint now = t0;
  CalloutLink link;
  std::unique_ptr<callout::ConnectionHandler> server;
  std::string to_server;
  std::string to_link;
};

}  // namespace opes::processor::test
