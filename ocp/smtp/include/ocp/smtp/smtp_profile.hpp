#pragma once
// smtp §3.2.2 Figure 2: the SMTP-Profile feature structure, as offered in a
// NO's feature list and accepted as an NR's anonymous feature.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocp/expected.hpp"
#include "ocp/smtp/am_part.hpp"
#include "ocp/smtp/ehlo_keywords.hpp"
#include "ocp/smtp/header_list.hpp"
#include "ocp/smtp/profile_id.hpp"
#include "ocp/smtp/read_options.hpp"
#include "ocp/types.hpp"

namespace ocp::smtp {

/// Member names as sent. A-19: only the `-Parts` spellings are ever written.
inline constexpr std::string_view kAdaptivePartsMember = "Adaptive-Parts";
inline constexpr std::string_view kInformativePartsMember = "Informative-Parts";
inline constexpr std::string_view kAdaptiveCommandsAlias = "Adaptive-Commands";
inline constexpr std::string_view kInformativeCommandsAlias = "Informative-Commands";
inline constexpr std::string_view kHeaderListMember = "Header-List";
inline constexpr std::string_view kExtensionsMember = "Extensions";

/// SMTP-Profile: extends Feature with {[Adaptive-Parts: am-parts];
/// [Informative-Parts: am-parts]; [Header-List: headernames];} plus the NR's
/// `Extensions` (smtp §3.4.1, A-22). Its scope (the NO/NR's SG) is not part
/// of the feature: see ProfileScopes.
struct SmtpProfile {
  Direction direction = Direction::receiver;
  /// smtp §3.2.3: parts the callout server may change. An omitted member is
  /// an empty list, and an empty list is not written.
  std::vector<AmPart> adaptive_parts;
  /// smtp §3.2.4: parts sent for information only. Same convention.
  std::vector<AmPart> informative_parts;
  /// smtp §3.2.5: present exactly when an NR lists SINGLEHEADERS.
  std::optional<HeaderList> header_list;
  /// smtp §3.4.1: NR only; EHLO keywords the callout server understands. Not
  /// written when empty.
  EhloKeywords extensions;
  /// Anonymous members after the uri and named members the profile does not
  /// define, in order; written after the profile's own members.
  Structure others;

  bool is_adaptive(const AmPart& part) const noexcept { return contains(adaptive_parts, part); }
  bool is_informative(const AmPart& part) const noexcept {
    return contains(informative_parts, part);
  }
  /// In either list.
  bool lists(const AmPart& part) const noexcept {
    return is_adaptive(part) || is_informative(part);
  }

  friend bool operator==(const SmtpProfile&, const SmtpProfile&) = default;
};

/// A feature that is an SMTP profile but whose members do not have their
/// types, or that names a member twice.
struct ProfileError {
  std::string member;  // "Adaptive-Parts", "uri", ...
  std::string reason;

  /// "SMTP profile member 'Header-List': ..."
  std::string describe() const;
};

/// RFC 4037 §10 (check before use): reads an SMTP profile from a feature
/// whose uri is one of the two profile IDs.
Expected<SmtpProfile, ProfileError> read_smtp_profile(const Feature& feature,
                                                      const ReadOptions& options = {});
/// `{uri [others' anonymous] [Adaptive-Parts] [Informative-Parts]
/// [Header-List] [Extensions] [others' named]}`.
Feature write_smtp_profile(const SmtpProfile& profile);

}  // namespace ocp::smtp
