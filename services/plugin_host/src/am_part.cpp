#include "opes/plugin_host/am_part.hpp"

#include <algorithm>
#include <vector>

#include "ocp/smtp/am_part.hpp"
#include "ocp/smtp/header_list.hpp"

namespace opes::plugin_host::am_part {
namespace {

using ocp::smtp::AmPart;

bool is_atom_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

std::string ascii_upper(std::string_view text) {
  std::string upper(text);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return upper;
}

}  // namespace

bool is_valid_name(std::string_view part) {
  // An OCP atom naming an SMTP command or data part: keep it to command-like
  // characters so it maps onto an OCP bare value unchanged.
  if (part.empty() || part.size() > 64) return false;
  if (!std::all_of(part.begin(), part.end(), is_atom_char)) return false;
  // OCP tokens are case-sensitive, but SMTP commands are not (RFC 5321
  // §2.4): a plugin may not name DATA, RSET or QUIT in any spelling.
  return !AmPart::from_token(ascii_upper(part)).is_forbidden();
}

bool is_fragmentable(std::string_view part) {
  return AmPart::from_token(part).can_span_dums();
}

bool is_content(std::string_view part) {
  const AmPart am_part = AmPart::from_token(part);
  return am_part.can_span_dums() || am_part.kind() == AmPart::singleheaders;
}

Expected<void, std::string> check_selection(std::span<const std::string> adaptive,
                                            std::span<const std::string> informative,
                                            std::span<const std::string> header_list) {
  if (adaptive.empty() && informative.empty())
    return unexpected(std::string("no am-parts declared"));

  std::vector<AmPart> all;
  for (auto list : {adaptive, informative}) {
    for (const std::string& name : list) {
      if (!is_valid_name(name)) return unexpected("invalid am-part name \"" + name + "\"");
      AmPart part = AmPart::from_token(name);
      if (ocp::smtp::contains(all, part)) {
        // §3.2.4: a part is adaptive or informative, never both.
        return unexpected("am-part " + name + " is listed twice");
      }
      all.push_back(std::move(part));
    }
  }

  // §3.2.1: parts that may not be chosen together in one transaction.
  for (std::size_t i = 0; i < all.size(); ++i) {
    for (std::size_t j = i + 1; j < all.size(); ++j) {
      if (ocp::smtp::mutually_exclusive(all[i], all[j])) {
        return unexpected(std::string(all[i].token()) + " and " + std::string(all[j].token()) +
                          " are mutually exclusive (draft-ietf-opes-smtp-00 §3.2.1)");
      }
    }
  }

  // §3.2.5: a Header-List exactly when SINGLEHEADERS is chosen.
  const bool single = ocp::smtp::contains(all, AmPart::singleheaders);
  if (single && header_list.empty()) {
    return unexpected(std::string("SINGLEHEADERS needs a header list (§3.2.5)"));
  }
  if (!single && !header_list.empty()) {
    return unexpected(std::string("a header list is only allowed with SINGLEHEADERS (§3.2.5)"));
  }
  for (const std::string& name : header_list) {
    // The wildcard `*` is itself ftext, so is_field_name accepts it.
    if (!ocp::smtp::is_field_name(name)) {
      return unexpected("invalid header name \"" + name + "\" in the header list");
    }
  }
  return {};
}

}  // namespace opes::plugin_host::am_part
