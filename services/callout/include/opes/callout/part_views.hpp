#pragma once
// How each service gets the content parts it declared, whatever the
// connection negotiated (docs/ocp-conformance.md, "Callout server dispatch",
// "Every service gets its parts"). One connection negotiates one profile per
// direction (draft-ietf-opes-smtp-00 §3.2), and RAWDATA excludes ALLHEADERS
// and BODY (§3.2.1), so a service group can mix services that declared the
// whole message with services that declared its header section or body.
// The callout server adapts between the two:
// * negotiated RAWDATA, service declared ALLHEADERS and/or BODY: the server
//   cuts the message at the end of its header section and feeds both parts;
//   their answers go back as the RAWDATA answer;
// * negotiated ALLHEADERS and BODY, service declared RAWDATA: the server
//   feeds their concatenation as RAWDATA and cuts the answer back.
// SINGLEHEADERS and SECTIONS are not derived: a configuration that would need
// them derived is refused (part_conflicts), and a transaction whose profile
// cannot serve a service is refused (check_served). Free of I/O.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ocp/expected.hpp"
#include "ocp/smtp/callout_server_negotiation.hpp"
#include "ocp/smtp/smtp_profile.hpp"
#include "opes/plugin_host/service_info.hpp"

namespace opes::callout {

/// Octets of the header section of `message`, the empty line that ends it
/// included: just past the first CRLF CRLF, or 2 when the message starts with
/// CRLF; the whole message when it has no empty line (RFC 5322 §2.1). The
/// processor cuts ALLHEADERS by the same rule (ocp-conformance P-3).
std::size_t header_section_size(std::string_view message) noexcept;

/// How a service sees one content part of the original dataflow.
enum class ContentView : unsigned char {
  direct,         // as it arrives (the service declared it, or no content at all)
  split_rawdata,  // arriving RAWDATA, fed as ALLHEADERS + BODY
  join_split,     // arriving ALLHEADERS/BODY, fed together as RAWDATA
};

ContentView content_view(const plugin_host::ServiceInfo& service, const ocp::smtp::AmPart& arriving);

/// Whether the service declared any part of the message content.
bool declares_content(const plugin_host::ServiceInfo& service);

/// Every content part and every adaptive part the service declared is
/// carried by `profile`, as such or derivable as above, and at least one of
/// its parts is (informative command parts such as HELO may be missing).
/// The error lists the parts that are not.
ocp::Expected<void, std::string> check_served(const plugin_host::ServiceInfo& service,
                                              const ocp::smtp::SmtpProfile& profile);

/// A service by its configured name.
using NamedService = std::pair<std::string, const plugin_host::ServiceInfo*>;

/// One line per pair of services of one profile direction whose content
/// parts exclude each other (§3.2.1) and cannot be derived from each other,
/// naming both services and their parts. Empty when every pair can share a
/// connection.
std::vector<std::string> part_conflicts(const std::vector<NamedService>& services, std::string_view direction);

/// Widens merged needs so that a negotiation can serve every service: when
/// RAWDATA is wanted together with ALLHEADERS or BODY, all three are asked
/// for, adaptive if any service adapts one of them, so the processor sends
/// RAWDATA when it can (choose_profile prefers the containing part) and the
/// split parts when it cannot.
void widen_content_needs(ocp::smtp::ServiceNeeds& needs);

}  // namespace opes::callout
