#include "opes/smtp/sender_routing.hpp"

namespace opes::smtp {

namespace {

bool is_routing_operator(char c) noexcept { return c == '%' || c == '@' || c == '!'; }

}  // namespace

std::optional<char> sender_routing(std::string_view mailbox) noexcept {
  if (!mailbox.empty() && mailbox.front() == '"') {
    // Quoted-string = DQUOTE *QcontentSMTP DQUOTE; a quoted-pair stands for
    // its second octet, so `"a\@b"` is the local part a@b.
    for (std::size_t i = 1; i < mailbox.size(); ++i) {
      char c = mailbox[i];
      if (c == '"') return std::nullopt;  // the domain after it is judged by the relay check
      if (c == '\\') {
        if (++i == mailbox.size()) break;
        c = mailbox[i];
      }
      if (is_routing_operator(c)) return c;
    }
    return '"';
  }
  // A Dot-string holds no "@": the last one separates the domain.
  const std::size_t at = mailbox.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  for (std::size_t i = 0; i < at; ++i)
    if (is_routing_operator(mailbox[i])) return mailbox[i];
  return std::nullopt;
}

}  // namespace opes::smtp
