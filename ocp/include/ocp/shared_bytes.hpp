#pragma once
// Payload octets shared without copying: a view plus a reference on whatever
// owns the memory (the parser's receive block, or a string moved in).

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace ocp {

class SharedBytes {
 public:
  SharedBytes() = default;
  SharedBytes(std::shared_ptr<const void> owner, std::string_view bytes)
      : owner_(std::move(owner)), bytes_(bytes) {}

  /// Takes ownership of a string's buffer (no copy of its characters).
  static SharedBytes adopt(std::string bytes);
  static SharedBytes copy_of(std::string_view bytes) { return adopt(std::string(bytes)); }

  std::string_view view() const noexcept { return bytes_; }
  const char* data() const noexcept { return bytes_.data(); }
  std::size_t size() const noexcept { return bytes_.size(); }
  bool empty() const noexcept { return bytes_.empty(); }

  /// Same octets; who owns them does not matter.
  friend bool operator==(const SharedBytes& a, const SharedBytes& b) noexcept {
    return a.bytes_ == b.bytes_;
  }

 private:
  std::shared_ptr<const void> owner_;
  std::string_view bytes_;
};

inline SharedBytes SharedBytes::adopt(std::string bytes) {
  auto owner = std::make_shared<const std::string>(std::move(bytes));
  std::string_view view(*owner);
  return SharedBytes(std::move(owner), view);
}

}  // namespace ocp
