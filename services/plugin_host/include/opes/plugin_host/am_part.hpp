#pragma once
// Application message parts of the SMTP profile (draft-ietf-opes-smtp-00
// §3.1) and the rules a service's choice of parts must follow (§3.2).

#include <span>
#include <string>
#include <string_view>

#include "opes/plugin_host/expected.hpp"

namespace opes::plugin_host::am_part {

inline constexpr std::string_view ehlo = "EHLO";
inline constexpr std::string_view helo = "HELO";
inline constexpr std::string_view mail = "MAIL";
inline constexpr std::string_view rcpt = "RCPT";
inline constexpr std::string_view vrfy = "VRFY";
inline constexpr std::string_view expn = "EXPN";
inline constexpr std::string_view rawdata = "RAWDATA";
inline constexpr std::string_view allheaders = "ALLHEADERS";
inline constexpr std::string_view singleheaders = "SINGLEHEADERS";
inline constexpr std::string_view body = "BODY";
inline constexpr std::string_view sections = "SECTIONS";

/// An atom an am-part may be named by: the §3.1 names and extension
/// commands (§3.4.2), but never DATA, RSET or QUIT (§3.1).
bool is_valid_name(std::string_view part) noexcept;

/// §3.3.1: only these may be split over several chunks.
bool is_fragmentable(std::string_view part) noexcept;

/// Parts of the message data. Their answers stay open until the end of the
/// message; every other part is an SMTP command the client waits on.
bool is_content(std::string_view part) noexcept;

/// The rules an NR's part lists follow (§3.2.1, §3.2.3-§3.2.5): valid
/// names, nothing listed twice, no mutually exclusive parts, a Header-List
/// exactly when SINGLEHEADERS is chosen. The error says which rule broke.
Expected<void, std::string> check_selection(std::span<const std::string> adaptive,
                                            std::span<const std::string> informative,
                                            std::span<const std::string> header_list);

}  // namespace opes::plugin_host::am_part
