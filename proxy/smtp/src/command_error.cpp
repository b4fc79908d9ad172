#include "opes/smtp/command_error.hpp"

namespace opes::smtp {

ocp::smtp::Reply CommandError::reply(bool enhanced_status_codes) const {
  return make_reply(code, enhanced_status, reason, enhanced_status_codes);
}

ocp::smtp::Reply make_reply(std::uint16_t code, std::string_view enhanced_status,
                            std::string_view text, bool enhanced_status_codes) {
  std::string line;
  if (enhanced_status_codes && !enhanced_status.empty()) {
    line.append(enhanced_status);
    if (!text.empty()) line += ' ';
  }
  line.append(text);
  return ocp::smtp::Reply::line(code, std::move(line));
}

}  // namespace opes::smtp
