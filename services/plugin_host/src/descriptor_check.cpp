#include "descriptor_check.hpp"

#include <string.h>

#include <algorithm>
#include <string_view>
#include <vector>

#include "ocp/smtp/ascii.hpp"
#include "opes/plugin_host/am_part.hpp"

namespace opes::plugin_host::detail {
namespace {

// Bounds that no sensible service reaches; they stop a corrupt descriptor
// from making the host read far beyond its arrays.
constexpr std::size_t max_parts = 64;
constexpr std::size_t max_header_names = 256;
constexpr std::size_t max_string = 1024;

Expected<std::string, std::string> read_string(const char* text, std::string_view what) {
  if (!text) return unexpected(std::string(what) + " is missing");
  std::string_view s(text, strnlen(text, max_string + 1));
  if (s.empty()) return unexpected(std::string(what) + " is empty");
  if (s.size() > max_string) return unexpected(std::string(what) + " is too long");
  return std::string(s);
}

Expected<std::vector<std::string>, std::string> read_list(const char* const* items,
                                                          std::size_t count, std::size_t bound,
                                                          std::string_view what) {
  std::vector<std::string> out;
  if (count == 0) return out;
  if (!items) return unexpected(std::string(what) + " has a count but no array");
  if (count > bound) return unexpected(std::string(what) + " has too many entries");
  for (std::size_t i = 0; i < count; ++i) {
    auto item = read_string(items[i], what);
    if (!item) return unexpected(std::move(item).error());
    out.push_back(std::move(*item));
  }
  return out;
}

bool is_service_name(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return ocp::smtp::ascii::is_alnum(c) || c == '.' || c == '_' || c == '-';
  });
}

}  // namespace

Expected<ServiceInfo, std::string> read_service_descriptor(const opes_service_descriptor* service,
                                                           std::uint32_t /*abi_minor*/) {
  // ABI 1.0 has no later fields yet; a 1.1 member would be read here only
  // when abi_minor >= 1.
  if (!service) return unexpected(std::string("null service descriptor"));
  ServiceInfo info;

  auto name = read_string(service->name, "service name");
  if (!name) return unexpected(std::move(name).error());
  if (!is_service_name(*name)) return unexpected("invalid service name \"" + *name + "\"");
  info.name = std::move(*name);

  auto fail = [&](std::string why) {
    return unexpected("service " + info.name + ": " + std::move(why));
  };

  auto uri = read_string(service->uri, "uri");
  if (!uri) return fail(std::move(uri).error());
  info.uri = std::move(*uri);

  auto adaptive = read_list(service->adaptive_parts, service->adaptive_part_count, max_parts,
                            "adaptive part list");
  if (!adaptive) return fail(std::move(adaptive).error());
  auto informative = read_list(service->informative_parts, service->informative_part_count,
                               max_parts, "informative part list");
  if (!informative) return fail(std::move(informative).error());
  auto headers =
      read_list(service->header_list, service->header_list_count, max_header_names, "header list");
  if (!headers) return fail(std::move(headers).error());
  if (auto ok = am_part::check_selection(*adaptive, *informative, *headers); !ok) {
    return fail(ok.error());
  }
  info.adaptive_parts = std::move(*adaptive);
  info.informative_parts = std::move(*informative);
  info.header_list = std::move(*headers);

  if ((service->flags & ~OPES_SERVICE_WHOLE_PARTS) != 0) {
    return fail("unknown flags (a newer ABI minor than it declares?)");
  }
  info.whole_parts = (service->flags & OPES_SERVICE_WHOLE_PARTS) != 0;

  if (!service->create || !service->destroy || !service->begin || !service->part ||
      !service->end_of_message || !service->release) {
    return fail("a required function pointer is missing (only abort may be NULL)");
  }
  return info;
}

}  // namespace opes::plugin_host::detail
