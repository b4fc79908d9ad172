#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "support/plugin_runner.hpp"

using namespace plugin_test;

namespace {

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

Error load_error(const char* file) {
  auto plugin = Plugin::load(file);
  REQUIRE_FALSE(plugin.has_value());
  return plugin.error();
}

}  // namespace

TEST_CASE("loading: the host implements plugin ABI 1.0") {
  CHECK(host_abi().major == 1);
  CHECK(host_abi().minor == 0);
}

TEST_CASE("loading: a plugin lists its services with their am-parts and uri") {
  const Plugin plugin = load(OPES_HEADER_STAMP_SO);
  CHECK(plugin.name() == "header-stamp");
  CHECK(plugin.version() == "1.0.0");
  CHECK(plugin.abi().major == 1);
  CHECK(plugin.file() == OPES_HEADER_STAMP_SO);
  REQUIRE(plugin.services().size() == 2);
  const ServiceInfo* stamp = plugin.find_service("header-stamp");
  REQUIRE(stamp);
  CHECK(stamp->uri == "urn:opes-smtp:service:header-stamp");
  CHECK(stamp->adaptive_parts == std::vector<std::string>{"RAWDATA"});
  CHECK(stamp->informative_parts.empty());
  CHECK_FALSE(stamp->whole_parts);
  CHECK(stamp->adapts("RAWDATA"));
  CHECK_FALSE(stamp->reads("RCPT"));
  CHECK(plugin.find_service("header-stamp-headers")->adapts("ALLHEADERS"));
  CHECK(plugin.find_service("nope") == nullptr);

  CHECK(load(OPES_DISCLAIMER_SO).find_service("disclaimer")->whole_parts);
}

TEST_CASE(
    "loading: a plugin built for another ABI major is refused, naming the file and both versions") {
  const Error error = load_error(OPES_WRONG_ABI_MAJOR_SO);
  CHECK(error.code == Errc::abi_mismatch);
  CHECK(contains(error.message, OPES_WRONG_ABI_MAJOR_SO));
  CHECK(contains(error.message, "built for plugin ABI 2.0"));
  CHECK(contains(error.message, "this host implements ABI 1.0"));
}

TEST_CASE("loading: a plugin built for a newer ABI minor is refused, naming both versions") {
  const Error error = load_error(OPES_WRONG_ABI_MINOR_SO);
  CHECK(error.code == Errc::abi_mismatch);
  CHECK(contains(error.message, OPES_WRONG_ABI_MINOR_SO));
  CHECK(contains(error.message, "1.1"));
  CHECK(contains(error.message, "1.0"));
}

TEST_CASE("loading: a shared object without the entry point is refused") {
  const Error error = load_error(OPES_NO_ENTRY_SO);
  CHECK(error.code == Errc::missing_entry_point);
  CHECK(contains(error.message, OPES_NO_ENTRY_SO));
  CHECK(contains(error.message, "opes_plugin_entry"));
}

TEST_CASE("loading: a missing file or a file that is not a shared object is refused") {
  const Error missing = load_error("/nonexistent/plugin.so");
  CHECK(missing.code == Errc::load_failed);
  CHECK(contains(missing.message, "/nonexistent/plugin.so"));

  const TempFile text("not an ELF file\n");
  const Error not_elf = load_error(text.path().c_str());
  CHECK(not_elf.code == Errc::load_failed);
  CHECK(contains(not_elf.message, text.path()));
}

TEST_CASE("loading: a descriptor that breaks the draft's part rules is refused before any call") {
  const Error error = load_error(OPES_INVALID_DESCRIPTOR_SO);
  CHECK(error.code == Errc::invalid_descriptor);
  CHECK(contains(error.message, "service exclusive"));
  CHECK(contains(error.message, "mutually exclusive"));
}

TEST_CASE("loading: the host keeps working after refusing plugins") {
  for (const char* bad : {OPES_WRONG_ABI_MAJOR_SO, OPES_WRONG_ABI_MINOR_SO, OPES_NO_ENTRY_SO,
                          OPES_INVALID_DESCRIPTOR_SO}) {
    CHECK_FALSE(Plugin::load(bad).has_value());
  }
  const ServiceInstance stamp =
      instantiate(OPES_HEADER_STAMP_SO, "header-stamp", R"({"name":"X-Ok","value":"yes"})");
  CHECK(only_verdict(run(stamp, {part("RAWDATA", "Subject: x\r\n\r\nbody\r\n")})).headers ==
        std::vector<std::string>{"X-Ok: yes"});
}

TEST_CASE("loading: an unknown service name is an error") {
  auto instance = load(OPES_HEADER_STAMP_SO).instantiate("no-such-service", "{}");
  REQUIRE_FALSE(instance.has_value());
  CHECK(instance.error().code == Errc::unknown_service);
  CHECK(contains(instance.error().message, "no-such-service"));
}

TEST_CASE("loading: a refused configuration returns the service's own explanation") {
  const Error error = config_error(OPES_THROWING_SO, "throwing", R"({"fail":"bad knob"})");
  CHECK(error.code == Errc::config_rejected);
  CHECK(contains(error.message, "throwing"));
  CHECK(contains(error.message, "bad knob"));

  const Error json = config_error(OPES_HEADER_STAMP_SO, "header-stamp", "{not json");
  CHECK(json.code == Errc::config_rejected);
  CHECK(contains(json.message, "invalid configuration"));
}

TEST_CASE("loading: an instance keeps its plugin loaded after the Plugin handle is gone") {
  std::optional<ServiceInstance> instance;
  {
    auto plugin = load(OPES_HEADER_STAMP_SO);
    auto created =
        plugin.instantiate("header-stamp", R"({"name":"X-A","value":"1"})", quiet_options());
    REQUIRE(created.has_value());
    instance.emplace(std::move(*created));
  }
  CHECK(only_verdict(run(*instance, {part("RAWDATA", "\r\nbody")})).headers.size() == 1);
}

TEST_CASE("loading: a transaction keeps its instance alive after the instance handle is gone") {
  std::optional<Transaction> tx;
  {
    const ServiceInstance instance =
        instantiate(OPES_HEADER_STAMP_SO, "header-stamp", R"({"name":"X-A","value":"1"})");
    auto begun = instance.begin();
    REQUIRE(begun.has_value());
    tx.emplace(std::move(*begun));
  }
  REQUIRE(tx->feed("RAWDATA", "\r\nbody", true).has_value());
  CHECK(only_verdict(tx->end_of_message()).headers.size() == 1);
}

TEST_CASE("loading: the same file can be loaded twice and both copies work") {
  const Plugin a = load(OPES_MINIMAL_SO);
  const Plugin b = load(OPES_MINIMAL_SO);
  auto ia = a.instantiate("deny-recipient", R"({"recipient":"a@example.com"})", quiet_options());
  auto ib = b.instantiate("deny-recipient", R"({"recipient":"b@example.com"})", quiet_options());
  REQUIRE(ia.has_value());
  REQUIRE(ib.has_value());
  CHECK(only_verdict(run(*ia, {part("RCPT", "<a@example.com>")})).action == Action::Reject);
  CHECK(only_verdict(run(*ib, {part("RCPT", "<a@example.com>")})).action == Action::Keep);
}
