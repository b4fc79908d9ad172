#pragma once
// RAII ownership of one dlopen() handle.

#include <filesystem>
#include <string>

#include "opes/plugin_host/expected.hpp"

namespace opes::plugin_host::detail {

class SharedLibrary {
 public:
  /// RTLD_NOW: an unresolved symbol refuses the file now, not in the middle
  /// of a transaction. RTLD_LOCAL: plugins cannot see each other's symbols.
  static Expected<SharedLibrary, std::string> open(const std::filesystem::path& file);

  SharedLibrary(SharedLibrary&& other) noexcept : handle_(other.handle_) {
    other.handle_ = nullptr;
  }
  SharedLibrary& operator=(SharedLibrary&& other) noexcept;
  SharedLibrary(const SharedLibrary&) = delete;
  SharedLibrary& operator=(const SharedLibrary&) = delete;
  ~SharedLibrary();

  /// The address of an exported symbol, or nullptr.
  void* symbol(const char* name) const noexcept;

 private:
  explicit SharedLibrary(void* handle) noexcept : handle_(handle) {}
  void* handle_;
};

}  // namespace opes::plugin_host::detail
