#pragma once
// Replies the application sends that the core does not: the greeting and the
// EHLO answer (RFC 5321 §4.2, §4.1.1.1).

#include <string>
#include <string_view>
#include <vector>

#include "ocp/smtp/reply.hpp"

namespace opes::smtp {

/// `220 domain ESMTP text` (RFC 5321 §4.3.1; "ESMTP" by convention, §3.1).
ocp::smtp::Reply greeting(std::string_view domain, std::string_view text = "OPES SMTP proxy");

/// RFC 5321 §4.1.1.1: `250-domain greeting`, then one line per keyword (with
/// its parameters, e.g. "SIZE 10240000"), the last as `250 `.
ocp::smtp::Reply ehlo_reply(std::string_view domain, std::string_view greeting_text,
                            const std::vector<std::string>& keywords);

}  // namespace opes::smtp
