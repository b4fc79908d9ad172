#include "opes/processor/content_layout.hpp"

#include <string>

namespace opes::processor {

using ocp::smtp::AmPart;

std::optional<ContentLayout::Slot> ContentLayout::slot_of(const AmPart& part) noexcept {
  switch (part.kind()) {
    case AmPart::rawdata:
      return Slot::rawdata;
    case AmPart::allheaders:
      return Slot::allheaders;
    case AmPart::singleheaders:
      return Slot::singleheaders;
    case AmPart::body:
      return Slot::body;
    case AmPart::sections:
      return Slot::sections;
    default:
      return std::nullopt;
  }
}

ocp::Expected<ContentLayout, ContentError> ContentLayout::from_profile(
    const ocp::smtp::SmtpProfile& profile) {
  ContentLayout layout;
  for (const AmPart& part :
       {AmPart(AmPart::rawdata), AmPart(AmPart::allheaders), AmPart(AmPart::singleheaders),
        AmPart(AmPart::body), AmPart(AmPart::sections)}) {
    const Slot slot = *slot_of(part);
    if (profile.is_adaptive(part)) {
      layout.roles_[slot] = PartRole::adaptive;
    } else if (profile.is_informative(part)) {
      layout.roles_[slot] = PartRole::informative;
    }
  }
  // smtp §3.2.1: RAWDATA excludes the split parts, ALLHEADERS excludes
  // SINGLEHEADERS, BODY excludes SECTIONS.
  const AmPart listed[] = {AmPart::rawdata, AmPart::allheaders, AmPart::singleheaders, AmPart::body,
                           AmPart::sections};
  for (const AmPart& a : listed) {
    for (const AmPart& b : listed) {
      if (layout.role(a) != PartRole::not_sent && layout.role(b) != PartRole::not_sent &&
          ocp::smtp::mutually_exclusive(a, b)) {
        return ocp::unexpected(ContentError{ContentError::Kind::bad_layout,
                                            std::string(a.token()) + " and " +
                                                std::string(b.token()) +
                                                " are mutually exclusive (smtp §3.2.1)"});
      }
    }
  }
  // smtp §3.2.5: without a Header-List no header field is requested.
  if (profile.header_list) layout.header_list_ = profile.header_list->normalized();
  return layout;
}

PartRole ContentLayout::role(const AmPart& part) const noexcept {
  const auto slot = slot_of(part);
  return slot ? roles_[*slot] : PartRole::not_sent;
}

ContentMode ContentLayout::mode() const noexcept {
  if (roles_[Slot::rawdata] != PartRole::not_sent) return ContentMode::rawdata;
  for (Slot slot : {Slot::allheaders, Slot::singleheaders, Slot::body, Slot::sections}) {
    if (roles_[slot] != PartRole::not_sent) return ContentMode::split;
  }
  return ContentMode::kept;
}

std::optional<AmPart> ContentLayout::header_part() const {
  if (roles_[Slot::allheaders] != PartRole::not_sent) return AmPart(AmPart::allheaders);
  if (roles_[Slot::singleheaders] != PartRole::not_sent) return AmPart(AmPart::singleheaders);
  return std::nullopt;
}

std::optional<AmPart> ContentLayout::body_part() const {
  if (roles_[Slot::body] != PartRole::not_sent) return AmPart(AmPart::body);
  if (roles_[Slot::sections] != PartRole::not_sent) return AmPart(AmPart::sections);
  return std::nullopt;
}

bool ContentLayout::has_adaptive_content() const noexcept {
  for (PartRole role : roles_) {
    if (role == PartRole::adaptive) return true;
  }
  return false;
}

bool ContentLayout::sends_single_header(std::string_view field_name) const noexcept {
  return roles_[Slot::singleheaders] != PartRole::not_sent && header_list_.requests(field_name);
}

}  // namespace opes::processor
