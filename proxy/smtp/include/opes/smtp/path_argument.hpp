#pragma once
// RFC 5321 §4.1.2 and §3.3: the arguments of MAIL and RCPT, a path in angle
// brackets followed by ESMTP parameters, and the same text without `FROM:` /
// `TO:` as the MAIL and RCPT am-parts carry it (draft-ietf-opes-smtp-00 §3.1,
// Figure 8: `<steve@example.org>`).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/expected.hpp"
#include "opes/smtp/command_error.hpp"

namespace opes::smtp {

/// RFC 5321 §4.1.2: esmtp-param = esmtp-keyword ["=" esmtp-value]
struct MailParameter {
  std::string keyword;               // as sent; compare case-insensitively
  std::optional<std::string> value;  // as sent (xtext stays encoded)

  friend bool operator==(const MailParameter&, const MailParameter&) = default;
};

struct PathArgument {
  /// The reverse- or forward-path inside the brackets, source route dropped
  /// (RFC 5321 §4.1.1.3, §C): "" for the null reverse-path `<>`.
  std::string path;
  std::vector<MailParameter> parameters;

  /// The parameter whose keyword equals `keyword` case-insensitively, or null.
  const MailParameter* find(std::string_view keyword) const noexcept;

  friend bool operator==(const PathArgument&, const PathArgument&) = default;
};

enum class PathRole {
  reverse_path,  // MAIL: `<>` allowed
  forward_path,  // RCPT: `<Postmaster>` allowed
};

struct PathOptions {
  /// RFC 6531 §3.3: UTF-8 in paths and parameter values only in a transaction
  /// whose MAIL carried SMTPUTF8. For MAIL itself the SMTPUTF8 parameter in
  /// the same argument also allows it.
  bool smtputf8 = false;
};

/// RFC 5321 §4.5.3.1.3: a path is at most 256 octets, brackets included.
inline constexpr std::size_t kMaxPathLength = 256;
/// Our bound on parameters per command; real clients send a handful.
inline constexpr std::size_t kMaxParameters = 32;

/// `FROM:<reverse-path> [SP Mail-parameters]`, "FROM:" in any case, spaces
/// after the colon tolerated as Postfix does. Errors: 501 5.5.4 without
/// "FROM:", 501 5.1.7 bad path, 553 5.6.7 UTF-8 without SMTPUTF8, 555 5.5.4
/// bad parameters (including the MAIL parameters of mail_parameters.hpp).
ocp::Expected<PathArgument, CommandError> parse_mail_from(std::string_view argument,
                                                          PathOptions options = {});

/// `TO:<forward-path> [SP Rcpt-parameters]`; 501 5.1.3 for a bad path.
ocp::Expected<PathArgument, CommandError> parse_rcpt_to(std::string_view argument,
                                                        PathOptions options = {});

/// The am-part payload form `<path> [SP parameters]`, e.g. an argument the
/// callout server changed, checked by the same rules before it goes upstream.
ocp::Expected<PathArgument, CommandError> parse_path_payload(std::string_view payload,
                                                             PathRole role,
                                                             PathOptions options = {});

/// `<path>` then ` KEYWORD=value` or ` KEYWORD` per parameter.
std::string format_path_argument(const PathArgument& argument);

}  // namespace opes::smtp
