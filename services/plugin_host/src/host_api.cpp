#include "host_api.hpp"

#include <algorithm>
#include <string_view>

#include "instance_core.hpp"
#include "transaction_core.hpp"

namespace opes::plugin_host::detail {
namespace {

// Plugin-supplied (pointer, size) pairs; NULL stands for nothing.
std::string_view view(const char* data, std::size_t size) noexcept {
  return data ? std::string_view(data, size) : std::string_view();
}

InstanceCore* instance(opes_host_service* service) noexcept {
  return static_cast<InstanceCore*>(service);
}
TransactionCore* transaction(opes_host_transaction* tx) noexcept {
  return static_cast<TransactionCore*>(tx);
}

// Called from C frames: nothing may escape, not even std::bad_alloc.
template <class F>
opes_status guarded(opes_host_transaction* tx, F f) noexcept {
  if (!tx) return OPES_ERROR;
  try {
    return f(*transaction(tx));
  } catch (...) {
    return OPES_ERROR;
  }
}

void log(opes_host_service* service, std::int32_t level, const char* text,
         std::size_t size) noexcept {
  if (!service) return;
  try {
    const auto clamped = std::clamp<std::int32_t>(level, OPES_LOG_ERROR, OPES_LOG_DEBUG);
    instance(service)->log(static_cast<LogLevel>(clamped), view(text, size));
  } catch (...) {
  }
}

void service_error(opes_host_service* service, const char* text, std::size_t size) noexcept {
  if (!service) return;
  try {
    instance(service)->service_error(view(text, size));
  } catch (...) {
  }
}

void transaction_error(opes_host_transaction* tx, const char* text, std::size_t size) noexcept {
  if (!tx) return;
  try {
    transaction(tx)->transaction_error(view(text, size));
  } catch (...) {
  }
}

opes_status keep(opes_host_transaction* tx, std::uint32_t part) noexcept {
  return guarded(tx, [&](TransactionCore& t) { return t.keep(part); });
}

opes_status replace(opes_host_transaction* tx, std::uint32_t part, const char* data,
                    std::size_t size) noexcept {
  return guarded(tx, [&](TransactionCore& t) { return t.replace(part, view(data, size)); });
}

opes_status reject(opes_host_transaction* tx, std::uint32_t part, const char* reply,
                   std::size_t size) noexcept {
  return guarded(tx, [&](TransactionCore& t) { return t.reject(part, view(reply, size)); });
}

opes_status add_header(opes_host_transaction* tx, std::uint32_t part, const char* field,
                       std::size_t size) noexcept {
  return guarded(tx, [&](TransactionCore& t) { return t.add_header(part, view(field, size)); });
}

opes_status advise(opes_host_transaction* tx, std::uint32_t part, std::int32_t advice) noexcept {
  return guarded(tx, [&](TransactionCore& t) { return t.advise(part, advice); });
}

constexpr opes_host_api table{
    OPES_PLUGIN_ABI_MAJOR,
    OPES_PLUGIN_ABI_MINOR,
    &log,
    &service_error,
    &transaction_error,
    &keep,
    &replace,
    &reject,
    &add_header,
    &advise,
};

}  // namespace

const opes_host_api* host_api() noexcept {
  return &table;
}

}  // namespace opes::plugin_host::detail
