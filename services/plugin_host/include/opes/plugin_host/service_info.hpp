#pragma once
// What a loaded plugin says about one of its services: the dispatcher
// builds its OCP negotiation (draft §3.2) from this.

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace opes::plugin_host {

struct ServiceInfo {
  std::string name;
  std::string uri;
  std::vector<std::string> adaptive_parts;
  std::vector<std::string> informative_parts;
  std::vector<std::string> header_list;
  bool whole_parts = false;  // OPES_SERVICE_WHOLE_PARTS: content parts are buffered

  bool adapts(std::string_view part) const {
    return std::find(adaptive_parts.begin(), adaptive_parts.end(), part) != adaptive_parts.end();
  }
  bool reads(std::string_view part) const {
    return adapts(part) || std::find(informative_parts.begin(), informative_parts.end(), part) !=
                               informative_parts.end();
  }
};

}  // namespace opes::plugin_host
