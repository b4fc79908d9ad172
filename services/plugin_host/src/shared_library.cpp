#include "shared_library.hpp"

#include <dlfcn.h>

namespace opes::plugin_host::detail {

Expected<SharedLibrary, std::string> SharedLibrary::open(const std::filesystem::path& file) {
  // dlopen() searches the library path for a bare name; a plugin is always
  // named by its file, so make a relative name explicit.
  std::filesystem::path name = file;
  if (!name.has_parent_path()) name = std::filesystem::path(".") / name;
  dlerror();
  void* handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    return unexpected(std::string(why ? why : "dlopen failed"));
  }
  return SharedLibrary(handle);
}

SharedLibrary& SharedLibrary::operator=(SharedLibrary&& other) noexcept {
  if (this != &other) {
    if (handle_) dlclose(handle_);
    handle_ = other.handle_;
    other.handle_ = nullptr;
  }
  return *this;
}

SharedLibrary::~SharedLibrary() {
  if (handle_) dlclose(handle_);
}

void* SharedLibrary::symbol(const char* name) const noexcept {
  return handle_ ? dlsym(handle_, name) : nullptr;
}

}  // namespace opes::plugin_host::detail
