#pragma once
// draft-ietf-opes-smtp-00 §4.2 and §5 ("draft idea"): the SMTP service
// extension for OPES trace and bypass. EHLO keyword `OPES`; MAIL FROM
// parameters `opestrace` (no value) and `opesbypass=( "*" | 1#bypass-entry )`.
// The opesbypass value is xtext (RFC 3461 §4): agent ids are URIs, which
// may hold "=" and "+", octets esmtp-value (RFC 5321 §4.1.2) forbids.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/expected.hpp"
#include "ocp/smtp/reply.hpp"

namespace opes::processor {

/// The EHLO keyword that advertises the extension.
inline constexpr std::string_view kOpesEhloKeyword = "OPES";
inline constexpr std::string_view kOpesTraceParameter = "OPESTRACE";
inline constexpr std::string_view kOpesBypassParameter = "OPESBYPASS";

/// RFC 5321 §4.1.2: esmtp-param = esmtp-keyword ["=" esmtp-value]. The
/// keyword is case-insensitive; the value is kept as received.
struct EsmtpParameter {
  std::string keyword;
  std::optional<std::string> value;

  friend bool operator==(const EsmtpParameter&, const EsmtpParameter&) = default;
};

/// A sender's bypass request (RFC 3897 §4): every service (`*`) or a list
/// of entries, each an agent id (absoluteURI) or a service name, decoded
/// from xtext and trimmed, in the order given, duplicates kept.
struct BypassRequest {
  static constexpr std::size_t kMaxEntries = 32;
  static constexpr std::size_t kMaxEntryLength = 512;
  /// Longest opesbypass value, as received (xtext), in octets.
  static constexpr std::size_t kMaxValueLength = 2048;

  bool all = false;
  std::vector<std::string> entries;  // empty when all

  friend bool operator==(const BypassRequest&, const BypassRequest&) = default;
};

/// What the sender asked of the OPES systems on the path.
struct OpesRequest {
  bool trace = false;                   // opestrace: send the §4.2 notification
  std::optional<BypassRequest> bypass;  // opesbypass

  friend bool operator==(const OpesRequest&, const OpesRequest&) = default;
};

/// The MAIL FROM parameters read: the OPES request, and the parameters to
/// send upstream in their original order and spelling.
struct OpesMailParameters {
  OpesRequest request;
  std::vector<EsmtpParameter> forward;
};

/// Reads the OPES parameters among a MAIL command's parameters. When the
/// upstream server advertised OPES, the parameters stay in `forward` so that
/// the next OPES system sees the request too; otherwise they are removed
/// (RFC 5321 §4.1.1.11: a parameter the server did not advertise must not
/// be sent). Other parameters are forwarded untouched.
///
/// Errors are the reply to send, `555 5.5.4 ...` (RFC 5321 §4.1.1.11,
/// RFC 3463 X.5.4 invalid command arguments): opestrace with a value,
/// opesbypass without one, a parameter given twice, a value that is not
/// xtext, an empty list, "*" among other entries, an entry that is neither
/// an absoluteURI nor a service name, or a list over the limits.
ocp::Expected<OpesMailParameters, ocp::smtp::Reply> read_opes_mail_parameters(
    const std::vector<EsmtpParameter>& parameters, bool upstream_advertises_opes);

/// Reads one opesbypass value (xtext) into a request, with the same errors.
ocp::Expected<BypassRequest, ocp::smtp::Reply> read_bypass_value(std::string_view xtext);

/// A service name as a bypass entry: 1 to 64 of ALPHA, DIGIT, "-", "_", "."
/// (an entry with a ":" is read as an agent id instead).
bool is_service_name(std::string_view text) noexcept;

}  // namespace opes::processor
