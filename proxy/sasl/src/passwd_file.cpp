#include "opes/sasl/passwd_file.hpp"

#include "ocp/smtp/ascii.hpp"

namespace opes::sasl {

namespace {

std::string at_line(std::size_t number, std::string_view what) {
  return "line " + std::to_string(number) + ": " + std::string(what);
}

bool has_control(std::string_view text) noexcept {
  for (char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return true;
  return false;
}

}  // namespace

ocp::Expected<void, std::string> read_passwd_lines(std::string_view text, const CredentialsLimits& limits,
                                                   std::string_view form,
                                                   const std::function<PasswdLineResult(const PasswdLine&)>& each) {
  if (text.size() > limits.max_file_size)
    return ocp::unexpected("larger than " + std::to_string(limits.max_file_size) + " octets");
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > limits.max_line)
      return ocp::unexpected(at_line(number, "longer than " + std::to_string(limits.max_line) + " octets"));
    if (ocp::smtp::ascii::trim_wsp(line).empty() || line.front() == '#') continue;
    if (has_control(line)) return ocp::unexpected(at_line(number, "holds a control character"));
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return ocp::unexpected(at_line(number, "expected " + std::string(form)));
    PasswdLine fields;
    fields.number = number;
    fields.user = line.substr(0, colon);
    const std::string_view after = line.substr(colon + 1);
    const auto second = after.find(':');
    fields.secret = after.substr(0, second);
    if (second != std::string_view::npos) fields.rest = after.substr(second + 1);
    if (fields.user.empty()) return ocp::unexpected(at_line(number, "empty user name"));
    if (fields.user.size() > limits.max_user_name)
      return ocp::unexpected(
          at_line(number, "user name longer than " + std::to_string(limits.max_user_name) + " octets"));
    if (auto accepted = each(fields); !accepted) return ocp::unexpected(at_line(number, accepted.error()));
  }
  return {};
}

}  // namespace opes::sasl
