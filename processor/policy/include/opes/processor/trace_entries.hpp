#pragma once
// draft-ietf-opes-smtp-00 §4.1 (Figures 16-17), RFC 3897 §3.2-3.3: the
// OPES-System and OPES-Via header fields this OPES system adds to a message.
// The fields are built here; a header prepender inserts them before all
// existing OPES-System and OPES-Via lines (§4.1 "MUST prepend").

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/expected.hpp"
#include "ocp/smtp/header_field.hpp"
#include "opes/processor/policy_error.hpp"

namespace opes::processor {

/// trace-entry = opes-agent-id *( ";" parameter ), parameter as in RFC 2616
/// §3.6: attribute "=" value, the value a token or else a quoted-string.
struct TraceParameter {
  static constexpr std::size_t kMaxNameLength = 64;
  static constexpr std::size_t kMaxValueLength = 200;

  std::string name;   // a token
  std::string value;  // printable US-ASCII; quoted on output unless a token

  friend bool operator==(const TraceParameter&, const TraceParameter&) = default;
};

/// One trace entry: an agent id and its parameters.
struct TraceEntry {
  /// With the longest field name and a fold indent, a line stays far below
  /// RFC 5322's 998 octets.
  static constexpr std::size_t kMaxTextLength = 900;

  std::string agent_id;  // is_opes_agent_id()
  std::vector<TraceParameter> parameters;

  /// `agent-id *( " ; " name "=" value )`, spaced as in Figure 17.
  std::string text() const;

  friend bool operator==(const TraceEntry&, const TraceEntry&) = default;
};

/// Checks an entry before it is traced: a valid agent id, token parameter
/// names, printable values, every limit.
ocp::Expected<void, PolicyError> check_trace_entry(const TraceEntry& entry);

/// The OPES system's tracing configuration.
struct TraceSettings {
  /// RFC 3897 §3.2: the OPES system's identification, an absoluteURI, e.g.
  /// `http://gateway.example.com/opes`.
  std::string system_agent_id;
  /// Also add OPES-Via with the system's entry and the services that ran
  /// (§4.1: optional tracing details).
  bool add_opes_via = false;
  /// Parameters of the system entry. §4.1 lets the OPES-Via copy omit
  /// them, and it does.
  std::vector<TraceParameter> system_parameters;
};

/// A transaction identifier: 1 to 64 RFC 3986 unreserved octets, so that
/// it is carried in the URI query unescaped.
inline constexpr std::size_t kMaxSessionIdLength = 64;

/// The tracing of one OPES system, validated once.
class TraceEntries {
 public:
  /// Longest line a folded OPES-Via aims at (RFC 5322 §2.1.1 SHOULD).
  static constexpr std::size_t kPreferredLineLength = 78;

  static ocp::Expected<TraceEntries, PolicyError> make(TraceSettings settings);

  const TraceSettings& settings() const noexcept { return settings_; }

  /// The system's agent id for one transaction, as in Figure 17
  /// (`http://gateway.example.com/opes?session=33W9WIMC`): the session id
  /// goes into the URI query, `&session=` when the id already has a query.
  ocp::Expected<std::string, PolicyError> system_agent_id_for(std::string_view session_id) const;

  /// The fields to insert, in this order: `OPES-System: <system entry>`
  /// and, when configured, `OPES-Via: <system entry without parameters>,
  /// <service entry>, ...` with the services that actually ran for the
  /// message, in the order they ran. OPES-Via is folded before an entry
  /// that would take a line past 78 octets; continuation lines are indented
  /// under the first entry (as Figure 17), or by one SP when that indent
  /// alone would push the entry past 78. Entries are never split, so a
  /// line exceeds 78 octets only when one entry does, and never 998.
  ocp::Expected<std::vector<ocp::smtp::HeaderField>, PolicyError> header_fields(
      std::string_view session_id, const std::vector<TraceEntry>& services_run) const;

 private:
  explicit TraceEntries(TraceSettings settings) : settings_(std::move(settings)) {}

  TraceSettings settings_;
};

}  // namespace opes::processor
