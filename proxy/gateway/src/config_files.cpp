#include "config_files.hpp"

#include <fstream>

namespace opes::proxy::detail {

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& path) {
  const std::filesystem::path p(path);
  return p.is_absolute() || base.empty() ? p : base / p;
}

ocp::Expected<std::string, std::string> read_bounded(const std::filesystem::path& file, std::size_t max_size) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return ocp::unexpected("cannot read " + file.string());
  std::string text(max_size + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return ocp::unexpected("cannot read " + file.string());
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

}  // namespace opes::proxy::detail
