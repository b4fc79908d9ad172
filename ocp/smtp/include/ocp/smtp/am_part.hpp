#pragma once
// smtp §3.1: application message parts (am-part, am-parts) and the rules of
// smtp §3.2.1 and §3.3.1 that depend on the part alone: which parts may span
// several DUMs, which exclude each other, and where each comes in the SMTP
// dialog (RFC 2821 §4.1.4).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/smtp/read_options.hpp"
#include "ocp/types.hpp"
#include "ocp/value.hpp"

namespace ocp::smtp {

/// One am-part atom. The eleven parts smtp §3.1 defines are a `Kind`; any
/// other atom is an extension part kept by its token (the project's `IP`,
/// the draft's fictitious `VIPNAME`, and the forbidden `DATA`, `RSET`, `QUIT`
/// when they are read from a part list). Tokens are case-sensitive, like
/// every OCP name.
class AmPart {
 public:
  enum class Kind : std::uint8_t {
    ehlo,
    helo,
    mail,
    rcpt,
    vrfy,
    expn,
    rawdata,
    allheaders,
    singleheaders,
    body,
    sections,
    extension,
  };
  using enum Kind;

  /// A part smtp §3.1 defines (`kind` must not be `extension`).
  AmPart(Kind kind);  // NOLINT(google-explicit-constructor): AmPart part = AmPart::rcpt;

  /// The part this token names: a defined part for its exact token, an
  /// extension part otherwise. No alias is applied.
  static AmPart from_token(std::string_view token);
  /// the project extension `IP`, the SMTP client's address literal;
  /// informative only.
  static AmPart ip();

  Kind kind() const noexcept { return kind_; }
  /// The atom as sent: "RAWDATA", "IP", "VIPNAME".
  std::string_view token() const noexcept;

  bool is_extension() const noexcept { return kind_ == Kind::extension; }
  bool is_ip() const noexcept;
  /// smtp §3.1: DATA, RSET and QUIT MUST NOT be used as parts.
  bool is_forbidden() const noexcept;
  /// smtp §3.3.1: only RAWDATA, ALLHEADERS, BODY and SECTIONS may be sent in
  /// several DUMs; every other part fits in one.
  bool can_span_dums() const noexcept;
  /// Parts that occur more than once in one transaction, each instance in its
  /// own DUM(s): RCPT (one per recipient), SINGLEHEADERS (one per header
  /// field, smtp §3.2.5), SECTIONS (one per section), and the parts without
  /// a place in the SMTP order (see smtp_order).
  bool is_repeatable() const noexcept;
  /// Parts whose SMTP command has been answered before an OCP transaction
  /// starts (A-29: HELO, EHLO) or that no SMTP command carries (A-21: IP):
  /// a callout server never gets them as adaptive parts.
  bool is_informative_only() const noexcept;

  friend bool operator==(const AmPart& a, const AmPart& b) noexcept {
    return a.kind_ == b.kind_ && a.extension_ == b.extension_;
  }

 private:
  AmPart(Kind kind, std::string extension) : kind_(kind), extension_(std::move(extension)) {}

  Kind kind_;
  std::string extension_;  // the token of an extension part, empty otherwise
};

/// smtp §3.2.1: RAWDATA excludes ALLHEADERS, SINGLEHEADERS, BODY and SECTIONS;
/// ALLHEADERS excludes SINGLEHEADERS; BODY excludes SECTIONS. Symmetric.
bool mutually_exclusive(const AmPart& a, const AmPart& b) noexcept;

/// smtp §3.2.1 and RFC 2821 §4.1.4: where a part comes in one OCP transaction
/// (one SMTP mail transaction, A-29). Parts with the same rank may not
/// follow each other unless they are the same repeatable part:
///   0 IP, 1 EHLO/HELO, 2 MAIL, 3 RCPT, 4 RAWDATA/ALLHEADERS/SINGLEHEADERS,
///   5 BODY/SECTIONS.
/// nullopt for parts that may come anywhere: VRFY and EXPN (RFC 2821 §4.1.4
/// allows them at any time) and extension commands whose place is unknown.
std::optional<unsigned> smtp_order(const AmPart& part) noexcept;

/// The order in which this library writes part lists: IP, EHLO, HELO, MAIL,
/// RCPT, VRFY, EXPN, RAWDATA, ALLHEADERS, SINGLEHEADERS, BODY, SECTIONS, then
/// other extension parts. Use with a stable sort.
bool canonical_less(const AmPart& a, const AmPart& b) noexcept;

bool contains(const std::vector<AmPart>& parts, const AmPart& part) noexcept;

/// The AM-Part parameter (smtp §3.3.1): one atom naming one part. `DATA` is
/// RAWDATA under options.data_as_rawdata; a forbidden part (smtp §3.1) is a
/// type error.
Typed<AmPart> read_am_part(const Value& value, const ReadOptions& options = {});
Value write_am_part(const AmPart& part);

/// am-parts (smtp §3.1 Figure 1): a list of atoms. Forbidden parts are kept
/// (AmPart::is_forbidden) so that a callout server can ignore them and a
/// processor can name them; repeated parts are kept once.
Typed<std::vector<AmPart>> read_am_parts(const Value& value, const ReadOptions& options = {});
Value write_am_parts(const std::vector<AmPart>& parts);

}  // namespace ocp::smtp
