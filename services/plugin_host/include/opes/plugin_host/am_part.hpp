#pragma once
// Application message parts of the SMTP profile (draft-ietf-opes-smtp-00
// §3.1) as a plugin names them, and the rules a service's choice of parts
// must follow (§3.2). The part rules themselves are ocp::smtp's (AmPart,
// mutually_exclusive, is_field_name); these functions add what the host
// needs on top of them for names that come from a plugin.

#include <span>
#include <string>
#include <string_view>

#include "opes/plugin_host/expected.hpp"

namespace opes::plugin_host::am_part {

/// An atom an am-part may be named by: the §3.1 names and extension
/// commands (§3.4.2), but never DATA, RSET or QUIT (§3.1), in any case.
bool is_valid_name(std::string_view part);

/// §3.3.1: only these may be split over several chunks.
bool is_fragmentable(std::string_view part);

/// Parts of the message data. Their answers stay open until the end of the
/// message; every other part is an SMTP command the client waits on.
bool is_content(std::string_view part);

/// The rules an NR's part lists follow (§3.2.1, §3.2.3-§3.2.5): valid
/// names, nothing listed twice, no mutually exclusive parts, a Header-List
/// exactly when SINGLEHEADERS is chosen. The error says which rule broke.
Expected<void, std::string> check_selection(std::span<const std::string> adaptive,
                                            std::span<const std::string> informative,
                                            std::span<const std::string> header_list);

}  // namespace opes::plugin_host::am_part
