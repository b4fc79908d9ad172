#pragma once
// The MAIL parameters the proxy implements or passes on: SIZE (RFC 1870),
// BODY (RFC 6152), SMTPUTF8 (RFC 6531), and the OPES extension's opestrace
// and opesbypass (draft-ietf-opes-smtp-00 §4.2, §5). Other parameters are
// left to the application, which knows what it advertised.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ocp/expected.hpp"
#include "opes/smtp/command_error.hpp"
#include "opes/smtp/path_argument.hpp"

namespace opes::smtp {

enum class BodyType { unspecified, seven_bit, eight_bit_mime };

/// RFC 1870 §3: the SIZE value; nullopt when absent (or, unchecked, malformed).
std::optional<std::uint64_t> declared_size(const PathArgument& mail);
BodyType body_type(const PathArgument& mail);
bool requests_smtputf8(const PathArgument& mail);
bool requests_opes_trace(const PathArgument& mail);
/// draft §5: `opesbypass=( "*" | 1#bypass-entry )`: the entries in order,
/// {"*"} for every agent, nullopt without the parameter.
std::optional<std::vector<std::string>> opes_bypass(const PathArgument& mail);

/// 555 5.5.4 when one of the parameters above is malformed: SIZE not
/// 1*20DIGIT, BODY not 7BIT or 8BITMIME (BINARYMIME needs CHUNKING, which we
/// do not offer), SMTPUTF8 or opestrace with a value, opesbypass empty or
/// holding an empty entry.
ocp::Expected<void, CommandError> check_mail_parameters(const PathArgument& mail);

}  // namespace opes::smtp
