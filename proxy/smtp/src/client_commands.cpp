#include "opes/smtp/client_commands.hpp"

namespace opes::smtp {

std::string format_ehlo(std::string_view domain) {
  return "EHLO " + std::string(domain) + "\r\n";
}

std::string format_mail(const PathArgument& reverse_path) {
  return "MAIL FROM:" + format_path_argument(reverse_path) + "\r\n";
}

std::string format_rcpt(const PathArgument& forward_path) {
  return "RCPT TO:" + format_path_argument(forward_path) + "\r\n";
}

}  // namespace opes::smtp
