#pragma once
// The users SMTP AUTH accepts, read from a credentials file in the form of
// Dovecot's passwd-file (doc: "Passwd-file"): one `user:{SCHEME}secret` per
// line, further `:fields` ignored, `#` comments and blank lines skipped.
// Schemes: {PLAIN} (also {CLEARTEXT}, Dovecot's alias) and {CRAM-MD5}
// (Dovecot's precomputed HMAC-MD5 contexts, hmac_md5.hpp). Both are kept as
// HMAC-MD5 contexts only, so a plaintext password is not held in memory
// after the file is read, and one constant-time comparison serves PLAIN,
// LOGIN and CRAM-MD5 alike.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "ocp/expected.hpp"
#include "opes/sasl/hmac_md5.hpp"

namespace opes::sasl {

struct CredentialsLimits {
  std::size_t max_file_size = 4u << 20;
  std::size_t max_line = 4096;
  std::size_t max_users = 100000;
  std::size_t max_user_name = 255;  // RFC 4616 §2 authcid: up to 255 octets
};

class Credentials {
 public:
  /// nullptr: no such user.
  const HmacMd5Contexts* find(std::string_view user) const;
  std::size_t size() const noexcept { return users_.size(); }
  void add(std::string user, const HmacMd5Contexts& contexts) { users_[std::move(user)] = contexts; }

 private:
  std::map<std::string, HmacMd5Contexts, std::less<>> users_;
};

/// One `{SCHEME}secret` field → the contexts, or the reason it is refused
/// ("unknown scheme {MD5} (PLAIN or CRAM-MD5)"); shared with the files that
/// extend this format (proxy/odmr's customers). The caller cleanses the
/// contexts it no longer needs (OPENSSL_cleanse), as parse_credentials does.
ocp::Expected<HmacMd5Contexts, std::string> read_secret(std::string_view field);

/// The file's text; the error names the line: "line 3: unknown scheme {MD5}".
ocp::Expected<Credentials, std::string> parse_credentials(std::string_view text,
                                                          const CredentialsLimits& limits = {});

}  // namespace opes::sasl
