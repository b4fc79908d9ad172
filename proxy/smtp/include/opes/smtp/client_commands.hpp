#pragma once
// Command lines the proxy sends upstream (RFC 5321 §4.1.1), CRLF included.

#include <string>
#include <string_view>

#include "opes/smtp/path_argument.hpp"

namespace opes::smtp {

std::string format_ehlo(std::string_view domain);           // "EHLO domain\r\n"
std::string format_mail(const PathArgument& reverse_path);  // "MAIL FROM:<path> KEY=V\r\n"
std::string format_rcpt(const PathArgument& forward_path);  // "RCPT TO:<path> KEY=V\r\n"

}  // namespace opes::smtp
