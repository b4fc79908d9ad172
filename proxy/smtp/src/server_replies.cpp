#include "opes/smtp/server_replies.hpp"

namespace opes::smtp {

ocp::smtp::Reply greeting(std::string_view domain, std::string_view text) {
  std::string line(domain);
  line += " ESMTP";
  if (!text.empty()) {
    line += ' ';
    line += text;
  }
  return ocp::smtp::Reply{220, {std::move(line)}};
}

ocp::smtp::Reply ehlo_reply(std::string_view domain, std::string_view greeting_text,
                            const std::vector<std::string>& keywords) {
  ocp::smtp::Reply reply{250, {}};
  std::string first(domain);
  if (!greeting_text.empty()) {
    first += ' ';
    first += greeting_text;
  }
  reply.lines.push_back(std::move(first));
  reply.lines.insert(reply.lines.end(), keywords.begin(), keywords.end());
  return reply;
}

}  // namespace opes::smtp
