#include "support/vectors.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace ocp::test {

namespace {

/// C-3.3-5's payload is too long to print: 8865 octets, octet k = k mod 256.
std::string generated_message(std::size_t size) {
  std::string payload;
  for (std::size_t k = 0; k < 8865; ++k) payload += static_cast<char>(k % 256);
  std::string bytes = "DUM 1 13\r\nModp: 75\r\n\r\n8865:" + payload + "\r\n;\r\n";
  if (bytes.size() != size) throw std::logic_error("generated vector has the wrong size");
  return bytes;
}

std::vector<Vector> load() {
  std::vector<Vector> vectors;
#define VECTOR_BEGIN(ID, SHA, VERDICT, VALID, OFFSET) \
  vectors.push_back(Vector{ID, SHA, VERDICT, VALID, OFFSET, {}});
#define MESSAGE(DIRECTION, BYTES) \
  vectors.back().messages.push_back({DIRECTION, std::string(BYTES, sizeof(BYTES) - 1)});
#define GENERATED_MESSAGE(DIRECTION, SIZE) \
  vectors.back().messages.push_back({DIRECTION, generated_message(SIZE)});
#define VECTOR_END()
#include "conformance_vectors.inc"
#undef VECTOR_BEGIN
#undef MESSAGE
#undef GENERATED_MESSAGE
#undef VECTOR_END
  return vectors;
}

}  // namespace

std::string Vector::stream() const {
  std::string all;
  for (const auto& message : messages) all += message.bytes;
  return all;
}

const std::vector<Vector>& conformance_vectors() {
  static const std::vector<Vector> vectors = load();
  return vectors;
}

const Vector& conformance_vector(std::string_view id) {
  for (const auto& vector : conformance_vectors()) {
    if (vector.id == id) return vector;
  }
  throw std::out_of_range("no conformance vector " + std::string(id));
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

}  // namespace ocp::test
