#pragma once
// RFC 5321 §4.1.1.11: the MAIL and RCPT parameters a server takes are those
// of the extensions it advertised; any other gets 555 5.5.4 ("MAIL FROM/RCPT
// TO parameters not recognized or not implemented"). With them, the syntax
// of the DSN parameters (RFC 3461 §4), which the core does not check.

#include "ocp/expected.hpp"
#include "opes/smtp/command_error.hpp"
#include "opes/smtp/path_argument.hpp"

namespace opes::smtp {

/// What the EHLO reply advertised; after HELO nothing is (RFC 5321 §2.2.1:
/// parameters are extensions, which HELO does not negotiate).
struct OfferedExtensions {
  bool size = false;            // RFC 1870: SIZE
  bool eight_bit_mime = false;  // RFC 6152: BODY
  bool smtputf8 = false;        // RFC 6531: SMTPUTF8
  bool dsn = false;             // RFC 3461: RET, ENVID (MAIL); NOTIFY, ORCPT (RCPT)
  bool opes = false;            // draft-ietf-opes-smtp-00 §4.2, §5: OPESTRACE, OPESBYPASS

  /// Every extension above.
  static OfferedExtensions all() noexcept { return {true, true, true, true, true}; }
};

/// RFC 3461 §4.4: the ENVID value, xtext, at most 100 characters.
inline constexpr std::size_t kMaxEnvidLength = 100;
/// RFC 3461 §4.2: the ORCPT value at most 500 characters.
inline constexpr std::size_t kMaxOrcptLength = 500;

/// 555 5.5.4 "<KEYWORD> is not offered" for the first parameter that no
/// advertised extension defines for this command (MAIL: SIZE BODY SMTPUTF8
/// RET ENVID OPESTRACE OPESBYPASS; RCPT: NOTIFY ORCPT). Then the DSN values,
/// 501 5.5.4 when malformed: RET=FULL|HDRS; ENVID=xtext of printable
/// US-ASCII; NOTIFY=NEVER or a list of SUCCESS, FAILURE, DELAY without
/// repeats; ORCPT=addr-type;xtext (RFC 6533 §3: "utf-8" may carry UTF-8 in
/// an SMTPUTF8 transaction, which the path parser already checked).
ocp::Expected<void, CommandError> check_offered_parameters(const PathArgument& argument,
                                                           PathRole role,
                                                           const OfferedExtensions& offered);

}  // namespace opes::smtp
