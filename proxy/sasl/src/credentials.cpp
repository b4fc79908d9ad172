#include "opes/sasl/credentials.hpp"

#include <openssl/crypto.h>

#include "ocp/smtp/ascii.hpp"
#include "opes/sasl/passwd_file.hpp"

namespace opes::sasl {

namespace {

using ocp::smtp::ascii::iequals;

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
  Credentials credentials;
  auto read = read_passwd_lines(text, limits, "user:{SCHEME}secret", [&](const PasswdLine& line) -> PasswdLineResult {
    // passwd-file's uid:gid:... (line.rest) are not ours.
    if (credentials.find(line.user)) return ocp::unexpected("user '" + std::string(line.user) + "' again");
    auto contexts = read_secret(line.secret);
    if (!contexts) return ocp::unexpected(contexts.error());
    if (credentials.size() >= limits.max_users)
      return ocp::unexpected("more than " + std::to_string(limits.max_users) + " users");
    credentials.add(std::string(line.user), *contexts);
    OPENSSL_cleanse(&*contexts, sizeof(HmacMd5Contexts));
    return {};
  });
  if (!read) return ocp::unexpected(read.error());
  return credentials;
}

}  // namespace opes::sasl
