#pragma once
// draft-ietf-opes-smtp-00 §4.1: opes-agent-id = absoluteURI (RFC 2396 §3).
// The identifiers the OPES system and its services trace under, and that a
// sender names in an opesbypass list (RFC 3897 §4.1).

#include <cstddef>
#include <string_view>

namespace opes::processor {

/// Longest agent id we accept: one trace entry must fit on a header line of
/// 998 octets (RFC 5322 §2.1.1) with the field name and its parameters.
inline constexpr std::size_t kMaxAgentIdLength = 512;

/// RFC 2396 §3 absoluteURI: scheme ":" followed by at least one uric
/// (reserved, unreserved or a well-formed %-escape), RFC 3986's "[" "]" for
/// IP literals allowed; no fragment, no white space, no control octet.
bool is_absolute_uri(std::string_view text) noexcept;

/// An absoluteURI usable as an opes-agent-id in a trace entry: at most
/// kMaxAgentIdLength octets and free of "," and ";", which the #trace-entry
/// list and the trace-entry parameters use as separators (§4.1, Figure 16).
bool is_opes_agent_id(std::string_view text) noexcept;

/// Whether two agent ids name the same agent: RFC 3986 §6.2.2.1, the scheme
/// and the authority compare case-insensitively, the rest octet by octet.
bool same_agent_id(std::string_view a, std::string_view b) noexcept;

}  // namespace opes::processor
