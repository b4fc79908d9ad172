#pragma once
// The conformance vectors of the OCP digest, section (h): RFC 4037,
// draft-ietf-opes-smtp-00 and RFC 4236 examples as exact bytes.

#include <string>
#include <string_view>
#include <vector>

namespace ocp::test {

enum class Direction { either, to_callout_server, to_processor };

struct VectorMessage {
  Direction direction;
  std::string bytes;
};

struct Vector {
  std::string id;
  std::string sha256;       // of the concatenated stream, hex
  std::string verdict;      // the digest's scratch-parser verdict
  bool valid;               // ABNF-valid as printed
  long error_offset;        // for invalid vectors: where the digest's parser failed
  std::vector<VectorMessage> messages;

  std::string stream() const;
};

const std::vector<Vector>& conformance_vectors();
const Vector& conformance_vector(std::string_view id);

/// Lowercase hex SHA-256 (OpenSSL).
std::string sha256_hex(std::string_view bytes);

}  // namespace ocp::test
