#include "opes/callout/part_views.hpp"

#include <algorithm>
#include <array>

namespace opes::callout {

namespace {

using ocp::smtp::AmPart;

constexpr std::array<std::string_view, 5> kContentTokens{"RAWDATA", "ALLHEADERS", "SINGLEHEADERS", "BODY",
                                                         "SECTIONS"};

bool is_content_token(std::string_view token) {
  return std::find(kContentTokens.begin(), kContentTokens.end(), token) != kContentTokens.end();
}

std::vector<std::string> declared(const plugin_host::ServiceInfo& service) {
  std::vector<std::string> parts = service.adaptive_parts;
  parts.insert(parts.end(), service.informative_parts.begin(), service.informative_parts.end());
  return parts;
}

/// The pairs of §3.2.1 this server derives one from the other.
bool derivable(std::string_view a, std::string_view b) {
  if (b == "RAWDATA") std::swap(a, b);
  return a == "RAWDATA" && (b == "ALLHEADERS" || b == "BODY");
}

void remove_part(std::vector<AmPart>& parts, const AmPart& part) {
  parts.erase(std::remove(parts.begin(), parts.end(), part), parts.end());
}

}  // namespace

std::size_t header_section_size(std::string_view message) noexcept {
  if (message.starts_with("\r\n")) return 2;
  const std::size_t empty_line = message.find("\r\n\r\n");
  return empty_line == std::string_view::npos ? message.size() : empty_line + 4;
}

ContentView content_view(const plugin_host::ServiceInfo& service, const AmPart& arriving) {
  switch (arriving.kind()) {
    case AmPart::rawdata:
      if (!service.reads("RAWDATA") && (service.reads("ALLHEADERS") || service.reads("BODY"))) {
        return ContentView::split_rawdata;
      }
      return ContentView::direct;
    case AmPart::allheaders:
    case AmPart::body:
      return service.reads("RAWDATA") ? ContentView::join_split : ContentView::direct;
    default: return ContentView::direct;
  }
}

bool declares_content(const plugin_host::ServiceInfo& service) {
  const auto parts = declared(service);
  return std::any_of(parts.begin(), parts.end(), [](const std::string& part) { return is_content_token(part); });
}

ocp::Expected<void, std::string> check_served(const plugin_host::ServiceInfo& service,
                                              const ocp::smtp::SmtpProfile& profile) {
  std::string missing;
  bool served_any = false;
  for (const std::string& token : declared(service)) {
    const AmPart part = AmPart::from_token(token);
    bool served = profile.lists(part);
    if (!served && part.kind() == AmPart::rawdata) {
      served = profile.lists(AmPart::allheaders) && profile.lists(AmPart::body);
    } else if (!served && (part.kind() == AmPart::allheaders || part.kind() == AmPart::body)) {
      served = profile.lists(AmPart::rawdata);
    }
    served_any = served_any || served;
    // A command part the service only reads (HELO, IP, ...) may be missing:
    // the service still runs on the others. Content, and every part it may
    // change, must be there, or the service would be skipped for it.
    const bool required = is_content_token(token) || service.adapts(token);
    if (!served && required && missing.find(token) == std::string::npos) {
      missing += (missing.empty() ? "" : ",") + token;
    }
  }
  if (missing.empty() && served_any) return {};
  if (missing.empty()) return ocp::unexpected(std::string("the negotiated profile carries none of the parts it declared"));
  return ocp::unexpected("the negotiated profile carries none of " + missing + ", which it declared");
}

std::vector<std::string> part_conflicts(const std::vector<NamedService>& services, std::string_view direction) {
  std::vector<std::string> conflicts;
  for (std::size_t i = 0; i < services.size(); ++i) {
    for (std::size_t j = i + 1; j < services.size(); ++j) {
      for (const std::string& a : declared(*services[i].second)) {
        for (const std::string& b : declared(*services[j].second)) {
          if (!is_content_token(a) || !is_content_token(b)) continue;
          if (!ocp::smtp::mutually_exclusive(AmPart::from_token(a), AmPart::from_token(b))) continue;
          if (derivable(a, b)) continue;
          conflicts.push_back("services '" + services[i].first + "' (" + a + ") and '" + services[j].first +
                              "' (" + b + ") cannot share the " + std::string(direction) +
                              " profile: draft-ietf-opes-smtp-00 §3.2.1 lets a connection carry only one of " +
                              a + " and " + b + ", and this server does not derive one from the other");
        }
      }
    }
  }
  return conflicts;
}

void widen_content_needs(ocp::smtp::ServiceNeeds& needs) {
  const auto wanted = [&](const AmPart& part) {
    return ocp::smtp::contains(needs.adaptive, part) || ocp::smtp::contains(needs.informative, part);
  };
  if (!wanted(AmPart::rawdata) || !(wanted(AmPart::allheaders) || wanted(AmPart::body))) return;
  const bool adaptive = ocp::smtp::contains(needs.adaptive, AmPart::rawdata) ||
                        ocp::smtp::contains(needs.adaptive, AmPart::allheaders) ||
                        ocp::smtp::contains(needs.adaptive, AmPart::body);
  for (const AmPart& part : {AmPart(AmPart::rawdata), AmPart(AmPart::allheaders), AmPart(AmPart::body)}) {
    remove_part(needs.adaptive, part);
    remove_part(needs.informative, part);
    (adaptive ? needs.adaptive : needs.informative).push_back(part);
  }
}

}  // namespace opes::callout
