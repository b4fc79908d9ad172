#pragma once
// Sender-specified routing in a mailbox's local part: the percent hack
// (`user%remote@relay`), an "@" inside a quoted local part
// (`"user@remote"@relay`) and UUCP bang paths (`remote!user@relay`). An MTA
// that honours them (Postfix with `allow_percent_hack`, `swap_bangpath`, or
// a quoted "@") forwards the mail to `remote`, so a relay check on the
// domain after the last "@" alone is not enough (Postfix's
// `allow_untrusted_routing`). RFC 5321 §3.6.1 source routes
// (`@a,@b:user@d`) are dropped by the path parser (§4.1.1.3, Appendix C)
// and never reach this check or the upstream.

#include <optional>
#include <string_view>

namespace opes::smtp {

/// The first routing operator ('%', '@' or '!') in the local part of
/// `mailbox` (a parsed path: `local@domain` or `"quoted"@domain`), read
/// after undoing quoted-pairs (RFC 5321 §4.1.2), or nullopt when there is
/// none. A mailbox without "@" (`Postmaster`) has no routing. A quoted local
/// part that does not close is reported as '"': not a mailbox we can judge.
std::optional<char> sender_routing(std::string_view mailbox) noexcept;

}  // namespace opes::smtp
