#include "ocp/smtp/smtp_profile.hpp"

#include "value_kinds.hpp"

namespace ocp::smtp {

namespace {

using Failure = Unexpected<ProfileError>;

Failure fail(std::string_view member, std::string reason) {
  return unexpected(ProfileError{std::string(member), std::move(reason)});
}

}  // namespace

std::string ProfileError::describe() const {
  return "SMTP profile member '" + member + "': " + reason;
}

Expected<SmtpProfile, ProfileError> read_smtp_profile(const Feature& feature,
                                                      const ReadOptions& options) {
  const auto direction = direction_of(feature.uri);
  if (!direction) return fail("uri", detail::quoted(feature.uri) + " is not an SMTP profile ID");

  SmtpProfile profile;
  profile.direction = *direction;
  profile.others.anonymous = feature.attributes.anonymous;

  // smtp §3.2.2 Figure 2, plus A-19's aliases and §3.4.1's Extensions.
  const NamedValue* adaptive = nullptr;
  const NamedValue* informative = nullptr;
  const NamedValue* header_list = nullptr;
  const NamedValue* extensions = nullptr;
  const auto take = [&](const NamedValue& member, const NamedValue*& slot,
                        std::string_view canonical) -> Expected<bool, ProfileError> {
    if (slot) {
      if (slot->name == member.name) return fail(member.name, "appears more than once");
      // both spellings at once are ambiguous.
      return fail(member.name, "given together with " + slot->name);
    }
    if (!member.extra_values.empty()) return fail(canonical, "takes a single value");
    slot = &member;
    return true;
  };
  for (const NamedValue& member : feature.attributes.named) {
    const std::string_view name = member.name;
    Expected<bool, ProfileError> taken = false;
    if (name == kAdaptivePartsMember ||
        (options.commands_aliases && name == kAdaptiveCommandsAlias)) {
      taken = take(member, adaptive, kAdaptivePartsMember);
    } else if (name == kInformativePartsMember ||
               (options.commands_aliases && name == kInformativeCommandsAlias)) {
      taken = take(member, informative, kInformativePartsMember);
    } else if (name == kHeaderListMember) {
      taken = take(member, header_list, kHeaderListMember);
    } else if (name == kExtensionsMember) {
      taken = take(member, extensions, kExtensionsMember);
    } else {
      profile.others.named.push_back(member);
    }
    if (!taken) return unexpected(std::move(taken).error());
  }

  // smtp §3.2.3, §3.2.4: an omitted list is an empty list.
  if (adaptive) {
    auto parts = read_am_parts(adaptive->value, options);
    if (!parts) return fail(adaptive->name, parts.error().reason);
    profile.adaptive_parts = std::move(*parts);
  }
  if (informative) {
    auto parts = read_am_parts(informative->value, options);
    if (!parts) return fail(informative->name, parts.error().reason);
    profile.informative_parts = std::move(*parts);
  }
  if (header_list) {
    auto headers = read_header_list(header_list->value);
    if (!headers) return fail(kHeaderListMember, headers.error().reason);
    profile.header_list = std::move(*headers);
  }
  if (extensions) {
    auto keywords = read_ehlo_keywords(extensions->value);
    if (!keywords) return fail(kExtensionsMember, keywords.error().reason);
    profile.extensions = std::move(*keywords);
  }
  return profile;
}

Feature write_smtp_profile(const SmtpProfile& profile) {
  Feature feature;
  feature.uri = std::string(profile_uri(profile.direction));
  feature.attributes.anonymous = profile.others.anonymous;
  auto& named = feature.attributes.named;
  // always the -Parts spellings.
  if (!profile.adaptive_parts.empty()) {
    named.push_back(
        {std::string(kAdaptivePartsMember), write_am_parts(profile.adaptive_parts), {}});
  }
  if (!profile.informative_parts.empty()) {
    named.push_back(
        {std::string(kInformativePartsMember), write_am_parts(profile.informative_parts), {}});
  }
  if (profile.header_list) {
    named.push_back({std::string(kHeaderListMember), write_header_list(*profile.header_list), {}});
  }
  if (!profile.extensions.empty()) {
    named.push_back({std::string(kExtensionsMember), write_ehlo_keywords(profile.extensions), {}});
  }
  named.insert(named.end(), profile.others.named.begin(), profile.others.named.end());
  return feature;
}

}  // namespace ocp::smtp
