#include "opes/sasl/credentials.hpp"

#include <openssl/crypto.h>

#include "ocp/smtp/ascii.hpp"

namespace opes::sasl {

namespace {

using ocp::smtp::ascii::iequals;

std::string at_line(std::size_t number, std::string_view what) {
  return "line " + std::to_string(number) + ": " + std::string(what);
}

bool has_control(std::string_view text) noexcept {
  for (char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return true;
  return false;
}

}  // namespace

ocp::Expected<HmacMd5Contexts, std::string> read_secret(std::string_view field) {
  if (field.empty() || field.front() != '{')
    return ocp::unexpected(std::string("the password must start with a {SCHEME}: {PLAIN} or {CRAM-MD5}"));
  const auto close = field.find('}');
  if (close == std::string_view::npos) return ocp::unexpected(std::string("the {SCHEME} has no closing }"));
  const std::string_view scheme = field.substr(1, close - 1);
  const std::string_view secret = field.substr(close + 1);
  if (iequals(scheme, "PLAIN") || iequals(scheme, "CLEARTEXT")) {
    if (secret.empty()) return ocp::unexpected(std::string("empty password"));
    return hmac_md5_contexts(secret);
  }
  if (iequals(scheme, "CRAM-MD5") || iequals(scheme, "HMAC-MD5")) {
    if (auto contexts = parse_dovecot_cram_md5(secret)) return *contexts;
    return ocp::unexpected(std::string("a {CRAM-MD5} secret is 64 hex digits (doveadm pw -s CRAM-MD5)"));
  }
  return ocp::unexpected("unknown scheme {" + std::string(scheme) + "} (PLAIN or CRAM-MD5)");
}

const HmacMd5Contexts* Credentials::find(std::string_view user) const {
  const auto found = users_.find(user);
  return found == users_.end() ? nullptr : &found->second;
}

ocp::Expected<Credentials, std::string> parse_credentials(std::string_view text,
                                                          const CredentialsLimits& limits) {
  if (text.size() > limits.max_file_size)
    return ocp::unexpected("larger than " + std::to_string(limits.max_file_size) + " octets");
  Credentials credentials;
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
    if (colon == std::string_view::npos)
      return ocp::unexpected(at_line(number, "expected user:{SCHEME}secret"));
    const std::string_view user = line.substr(0, colon);
    std::string_view secret = line.substr(colon + 1);
    secret = secret.substr(0, secret.find(':'));  // passwd-file's uid:gid:... are not ours
    if (user.empty()) return ocp::unexpected(at_line(number, "empty user name"));
    if (user.size() > limits.max_user_name)
      return ocp::unexpected(at_line(number, "user name longer than " +
                                                 std::to_string(limits.max_user_name) + " octets"));
    if (credentials.find(user)) return ocp::unexpected(at_line(number, "user '" + std::string(user) + "' again"));
    auto contexts = read_secret(secret);
    if (!contexts) return ocp::unexpected(at_line(number, contexts.error()));
    if (credentials.size() >= limits.max_users)
      return ocp::unexpected(at_line(number, "more than " + std::to_string(limits.max_users) + " users"));
    credentials.add(std::string(user), *contexts);
    OPENSSL_cleanse(&*contexts, sizeof(HmacMd5Contexts));
  }
  return credentials;
}

}  // namespace opes::sasl
