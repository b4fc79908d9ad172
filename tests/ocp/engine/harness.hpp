#pragma once
// Test support: engines set up to a known state, their output taken as
// strings, their events collected, and expected answers spelled out.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/engine/connection.hpp"

namespace ocp::engine::test {

inline const TimePoint t0 = TimePoint{} + std::chrono::hours(1);

inline Feature feature(std::string uri) { return Feature{std::move(uri), {}}; }
inline Service service(std::string uri) { return Service{std::move(uri), {}}; }

/// `"N:text"`: how the serializer quotes a reason with spaces.
inline std::string quoted(std::string_view text) {
  return "\"" + std::to_string(text.size()) + ":" + std::string(text) + "\"";
}
inline std::string te400(unsigned xid, std::string_view reason) {
  return "TE " + std::to_string(xid) + " {400 " + quoted(reason) + "};\r\n";
}
inline std::string ce400(std::string_view reason) { return "CE {400 " + quoted(reason) + "};\r\n"; }

/// Accepts the first offered feature whose uri is "test-profile"; rejects others.
inline OfferAnswer accept_test_profile(const OfferContext& context) {
  OfferAnswer answer;
  for (const Feature& f : context.features) {
    if (f.uri == "test-profile") {
      answer.accepted = f;
      return answer;
    }
  }
  answer.unknowns = context.features;
  return answer;
}

inline Config config(Role role) {
  Config c;
  c.role = role;
  c.on_offer = accept_test_profile;
  return c;
}

inline std::string take(Connection& c) {
  std::string out(c.pending_output());
  c.consume_output(out.size());
  return out;
}

inline std::vector<Event> events(Connection& c) {
  std::vector<Event> all;
  while (auto e = c.next_event()) all.push_back(std::move(*e));
  return all;
}

/// The first event of type T (a copy, so a temporary list is fine).
template <class T>
std::optional<T> find_event(const std::vector<Event>& all) {
  for (const auto& e : all) {
    if (auto p = std::get_if<T>(&e)) return *p;
  }
  return std::nullopt;
}

/// A callout server that has seen `CS`, `SGC 1 ({svc})`, a NO for
/// test-profile it accepted, and (when xid != 0) `TS xid 1` and `AMS xid`.
inline Connection ready_server(unsigned xid = 5, Config c = config(Role::callout_server)) {
  Connection s(std::move(c), t0);
  s.receive("CS;\r\nSGC 1 ({svc});\r\nNO ({test-profile});\r\n", t0);
  take(s);
  if (xid != 0) {
    std::string x = std::to_string(xid);
    s.receive("TS " + x + " 1;\r\nAMS " + x + ";\r\n", t0);
  }
  events(s);
  return s;
}

/// A processor that sent CS, SGC 1, the bootstrap NO, got CS and the NR, and
/// (when open) started transaction 1 with its AMS; the server's AMS arrived too.
inline Connection ready_processor(bool open = true, Config c = config(Role::processor)) {
  Connection p(std::move(c), t0);
  (void)p.start();
  (void)p.create_service_group({service("svc")});
  (void)p.offer({feature("test-profile")});
  p.receive("CS;\r\nNR {test-profile};\r\n", t0);
  if (open) {
    (void)p.start_transaction(ServiceGroupId{1});
    (void)p.start_application_message(Xid{1});
    p.receive("AMS 1;\r\n", t0);
  }
  take(p);
  events(p);
  return p;
}

/// Moves everything `from` has written into `to`.
inline void pipe(Connection& from, Connection& to, TimePoint now = t0) {
  std::string bytes = take(from);
  if (!bytes.empty()) to.receive(bytes, now);
}

}  // namespace ocp::engine::test
