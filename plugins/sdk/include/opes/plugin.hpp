#pragma once
// The C++ SDK for OPES-SMTP plugins: header-only, compiled into the plugin,
// speaking only the C ABI of opes/plugin.h to the host.
//
// A plugin author derives a service from opes::plugin::Service and a
// transaction from opes::plugin::Transaction, and registers the services
// with one macro:
//
//   class MyService : public opes::plugin::Service {
//    public:
//     static opes::plugin::ServiceSpec spec();           // name, uri, am-parts
//     explicit MyService(std::string_view config_json);  // throw on bad config
//     std::unique_ptr<opes::plugin::Transaction> begin(const opes::plugin::Metadata&) override;
//   };
//   OPES_PLUGIN("my-plugin", "1.0.0", MyService)
//
// Every exception leaving a service or transaction is caught at the ABI
// boundary: from the constructor it becomes the configuration error text,
// from a transaction it fails that transaction only (its what() is the
// reason). Exceptions never reach the host (opes/plugin.h, NO EXCEPTIONS).

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "opes/plugin.h"

namespace opes::plugin {

using PartIndex = std::uint32_t;

enum class Advice : std::int32_t {
  Discard = OPES_ADVICE_DISCARD,
  Quarantine = OPES_ADVICE_QUARANTINE,
};

enum class LogLevel : std::int32_t {
  Error = OPES_LOG_ERROR,
  Warning = OPES_LOG_WARNING,
  Info = OPES_LOG_INFO,
  Debug = OPES_LOG_DEBUG,
};

// How content parts reach on_part: chunk by chunk as they arrive, or each
// part whole in one call (the host buffers, up to its configured limit).
enum class Delivery { Streaming, WholeParts };

// What a service declares to the host; mirrors opes_service_descriptor.
// Meant for designated initializers; every member has a default so that
// the ones left out are not a -Wmissing-field-initializers warning.
struct ServiceSpec {
  std::string name{};
  std::string uri{};
  std::vector<std::string> adaptive_parts{};
  std::vector<std::string> informative_parts{};
  std::vector<std::string> header_list{};  // with SINGLEHEADERS only
  Delivery delivery = Delivery::Streaming;
};

// One chunk of an am-part. The views are valid during on_part only.
struct Part {
  PartIndex index;
  std::string_view name;
  std::string_view data;
  bool last;
  bool adaptive;
  std::uint32_t allow;  // OPES_ALLOW_*: what the processor accepts (draft §3.3.2)

  bool allows_reject() const noexcept { return (allow & OPES_ALLOW_SMTP_ERROR) != 0; }
  bool allows_advice() const noexcept { return (allow & OPES_ALLOW_ADVICE) != 0; }
  bool allows_add_header() const noexcept { return (allow & OPES_ALLOW_ADD_HEADER) != 0; }
};

// Transaction metadata (OPES_META_* keys); views valid during begin only.
class Metadata {
 public:
  explicit Metadata(const opes_transaction_info* info) noexcept
      : entries_(info ? info->metadata : nullptr), count_(info ? info->metadata_count : 0) {}

  std::optional<std::string_view> find(std::string_view key) const noexcept {
    for (std::size_t i = 0; i < count_; ++i) {
      if (entries_[i].key && entries_[i].value && key == entries_[i].key) return entries_[i].value;
    }
    return std::nullopt;
  }
  std::string_view value_or(std::string_view key, std::string_view fallback) const noexcept {
    return find(key).value_or(fallback);
  }
  std::size_t size() const noexcept { return count_; }

 private:
  const opes_metadata_entry* entries_;
  std::size_t count_;
};

// Thrown by the answer functions when the host refuses an answer. The host
// has already failed the transaction; letting it propagate is right.
class AnswerRefused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
template <class S>
struct ServiceAdapter;
}

class Transaction {
 public:
  Transaction() = default;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  virtual ~Transaction() = default;

  // A chunk of a part (the whole part with Delivery::WholeParts).
  virtual void on_part(const Part& part) = 0;
  // Every part has been delivered; content parts can still be answered.
  virtual void on_end_of_message() {}
  // The host gave up on the transaction; answers are no longer accepted.
  virtual void on_abort() noexcept {}

 protected:
  // Answers about the part with this index (opes/plugin.h, ANSWERS). Valid
  // from on_part and on_end_of_message, not from the constructor: the
  // transaction is attached to the host only once begin() has returned it.
  void keep(PartIndex part) { check(host().keep(tx_, part), "keep"); }
  void replace(PartIndex part, std::string_view content) {
    check(host().replace(tx_, part, content.data(), content.size()), "replace");
  }
  void reject(PartIndex part, std::string_view smtp_reply) {
    check(host().reject(tx_, part, smtp_reply.data(), smtp_reply.size()), "reject");
  }
  void add_header(PartIndex part, std::string_view field) {
    check(host().add_header(tx_, part, field.data(), field.size()), "add_header");
  }
  void advise(PartIndex part, Advice advice) {
    check(host().advise(tx_, part, static_cast<std::int32_t>(advice)), "advise");
  }
  void log(LogLevel level, std::string_view text) const noexcept {
    if (host_) host_->log(service_, static_cast<std::int32_t>(level), text.data(), text.size());
  }

 private:
  template <class S>
  friend struct detail::ServiceAdapter;

  const opes_host_api& host() const {
    if (!host_) throw std::logic_error("a transaction answers from on_part or on_end_of_message");
    return *host_;
  }
  static void check(opes_status status, const char* what) {
    if (status != OPES_OK) throw AnswerRefused(std::string("host refused ") + what);
  }

  const opes_host_api* host_ = nullptr;
  opes_host_service* service_ = nullptr;
  opes_host_transaction* tx_ = nullptr;
};

class Service {
 public:
  Service() = default;
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;
  virtual ~Service() = default;

  // One SMTP transaction. Called concurrently for different transactions:
  // keep the service's own state read-only once constructed.
  virtual std::unique_ptr<Transaction> begin(const Metadata& metadata) = 0;

 protected:
  void log(LogLevel level, std::string_view text) const noexcept {
    if (host_) host_->log(service_, static_cast<std::int32_t>(level), text.data(), text.size());
  }

 private:
  template <class S>
  friend struct detail::ServiceAdapter;

  const opes_host_api* host_ = nullptr;
  opes_host_service* service_ = nullptr;
};

namespace detail {

inline std::string_view describe(const std::exception_ptr& error) noexcept {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

// The C descriptor of one service type, with the trampolines that turn the
// C calls into virtual calls and every exception into an error report.
template <class S>
struct ServiceAdapter {
  static Service* service(opes_service_instance* p) noexcept {
    return reinterpret_cast<Service*>(p);
  }
  static Transaction* transaction(opes_transaction* p) noexcept {
    return reinterpret_cast<Transaction*>(p);
  }

  static void fail(Transaction* tx, const std::exception_ptr& error) noexcept {
    const std::string_view why = describe(error);
    tx->host_->transaction_error(tx->tx_, why.data(), why.size());
  }

  static opes_service_instance* create(const opes_host_api* host, opes_host_service* hs,
                                       const char* config, std::size_t size) noexcept {
    try {
      auto instance = std::make_unique<S>(std::string_view(config, size));
      Service& base = *instance;
      base.host_ = host;
      base.service_ = hs;
      return reinterpret_cast<opes_service_instance*>(static_cast<Service*>(instance.release()));
    } catch (...) {
      const std::exception_ptr error = std::current_exception();  // keeps what() alive
      const std::string_view why = describe(error);
      host->service_error(hs, why.data(), why.size());
      return nullptr;
    }
  }

  static void destroy(opes_service_instance* instance) noexcept { delete service(instance); }

  static opes_transaction* begin(opes_service_instance* instance, opes_host_transaction* htx,
                                 const opes_transaction_info* info) noexcept {
    Service* svc = service(instance);
    try {
      std::unique_ptr<Transaction> tx = svc->begin(Metadata(info));
      if (!tx) throw std::logic_error("begin returned no transaction");
      tx->host_ = svc->host_;
      tx->service_ = svc->service_;
      tx->tx_ = htx;
      return reinterpret_cast<opes_transaction*>(tx.release());
    } catch (...) {
      const std::exception_ptr error = std::current_exception();  // keeps what() alive
      const std::string_view why = describe(error);
      svc->host_->transaction_error(htx, why.data(), why.size());
      return nullptr;
    }
  }

  static opes_status part(opes_transaction* p, const opes_part_chunk* chunk) noexcept {
    Transaction* tx = transaction(p);
    try {
      const Part part{chunk->part_index,
                      chunk->part_name ? chunk->part_name : "",
                      std::string_view(chunk->data, chunk->size),
                      chunk->last != 0,
                      chunk->adaptive != 0,
                      chunk->allow};
      tx->on_part(part);
      return OPES_OK;
    } catch (...) {
      fail(tx, std::current_exception());
      return OPES_ERROR;
    }
  }

  static opes_status end_of_message(opes_transaction* p) noexcept {
    Transaction* tx = transaction(p);
    try {
      tx->on_end_of_message();
      return OPES_OK;
    } catch (...) {
      fail(tx, std::current_exception());
      return OPES_ERROR;
    }
  }

  static void abort(opes_transaction* p) noexcept { transaction(p)->on_abort(); }
  static void release(opes_transaction* p) noexcept { delete transaction(p); }

  // Built once, on the first call of the entry point, and kept for as long
  // as the shared object is loaded: the descriptor points into it.
  struct Storage {
    ServiceSpec spec = S::spec();
    std::vector<const char*> adaptive = c_strings(spec.adaptive_parts);
    std::vector<const char*> informative = c_strings(spec.informative_parts);
    std::vector<const char*> headers = c_strings(spec.header_list);
    opes_service_descriptor descriptor{
        spec.name.c_str(),
        spec.uri.c_str(),
        adaptive.data(),
        adaptive.size(),
        informative.data(),
        informative.size(),
        headers.data(),
        headers.size(),
        spec.delivery == Delivery::WholeParts ? OPES_SERVICE_WHOLE_PARTS : 0u,
        &create,
        &destroy,
        &begin,
        &part,
        &end_of_message,
        &abort,
        &release,
    };

    static std::vector<const char*> c_strings(const std::vector<std::string>& strings) {
      std::vector<const char*> out;
      out.reserve(strings.size());
      for (const std::string& s : strings) out.push_back(s.c_str());
      return out;
    }
  };

  static const opes_service_descriptor* descriptor() {
    static const Storage storage;
    return &storage.descriptor;
  }
};

template <class... Services>
const opes_plugin_descriptor* plugin_descriptor(const char* name, const char* version) noexcept {
  static_assert(sizeof...(Services) > 0, "a plugin provides at least one service");
  static_assert((std::is_base_of_v<Service, Services> && ...),
                "services derive from opes::plugin::Service");
  try {
    static const opes_service_descriptor* const services[] = {
        ServiceAdapter<Services>::descriptor()...};
    static const opes_plugin_descriptor plugin{
        OPES_PLUGIN_ABI_MAJOR, OPES_PLUGIN_ABI_MINOR, name, version, services, sizeof...(Services),
    };
    return &plugin;
  } catch (...) {
    return nullptr;  // the host reports "no descriptor" and refuses the plugin
  }
}

}  // namespace detail
}  // namespace opes::plugin

// Emits the plugin's entry point, the only symbol it exports. Name and
// version are string literals; then the Service classes it provides.
#define OPES_PLUGIN(plugin_name, plugin_version, ...)                                           \
  extern "C" OPES_PLUGIN_EXPORT const opes_plugin_descriptor* opes_plugin_entry(void) {         \
    return ::opes::plugin::detail::plugin_descriptor<__VA_ARGS__>(plugin_name, plugin_version); \
  }
