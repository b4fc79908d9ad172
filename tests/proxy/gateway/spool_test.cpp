#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "opes/proxy/spool.hpp"

namespace {

namespace fs = std::filesystem;

struct TemporaryDirectory {
  fs::path path;
  TemporaryDirectory() {
    path = fs::temp_directory_path() / ("opes-spool-test-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::remove_all(path);
  }
  ~TemporaryDirectory() { fs::remove_all(path); }
};

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t files_in(const fs::path& directory) {
  if (!fs::exists(directory)) return 0;
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(directory), fs::directory_iterator{}));
}

}  // namespace

TEST_CASE("a committed message is in new/ with its envelope, and tmp/ is empty") {
  TemporaryDirectory spool;
  auto message = opes::proxy::SpoolMessage::create(spool.path, {"a@example.org", {"b@example.org", "c@example.org"}});
  REQUIRE(message.has_value());
  CHECK(files_in(spool.path / "tmp") == 1);
  CHECK(files_in(spool.path / "new") == 0);  // invisible until complete
  REQUIRE(message->write("Subject: t\r\n\r\nbody\r\n").has_value());
  auto committed = message->commit();
  REQUIRE(committed.has_value());
  CHECK(committed->parent_path() == spool.path / "new");
  CHECK(files_in(spool.path / "tmp") == 0);
  CHECK(read_file(*committed) ==
        "Return-Path: <a@example.org>\r\n"
        "Envelope-To: <b@example.org>,\r\n <c@example.org>\r\n"
        "Subject: t\r\n\r\nbody\r\n");
  CHECK((fs::status(*committed).permissions() & fs::perms::others_read) == fs::perms::none);
}

TEST_CASE("RFC 3461: the DSN parameters are kept with the envelope for a later delivery") {
  TemporaryDirectory spool;
  opes::proxy::Envelope envelope{"a@example.org", {"b@example.org", "c@example.org", "d@example.org"}};
  envelope.dsn = "RET=HDRS ENVID=QQ314159";
  envelope.recipient_dsn = {"NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@example.org", "", "NOTIFY=NEVER"};
  auto message = opes::proxy::SpoolMessage::create(spool.path, envelope);
  REQUIRE(message.has_value());
  REQUIRE(message->write("Subject: t\r\n\r\nbody\r\n").has_value());
  auto committed = message->commit();
  REQUIRE(committed.has_value());
  CHECK(read_file(*committed) ==
        "Return-Path: <a@example.org>\r\n"
        "Envelope-To: <b@example.org>,\r\n <c@example.org>,\r\n <d@example.org>\r\n"
        "Envelope-DSN: RET=HDRS ENVID=QQ314159\r\n"
        "Envelope-DSN-Recipient: <b@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@example.org\r\n"
        "Envelope-DSN-Recipient: <d@example.org> NOTIFY=NEVER\r\n"
        "Subject: t\r\n\r\nbody\r\n");
}

TEST_CASE("an abandoned message leaves no file") {
  TemporaryDirectory spool;
  {
    auto message = opes::proxy::SpoolMessage::create(spool.path, {"", {"b@example.org"}});
    REQUIRE(message.has_value());
    REQUIRE(message->write("partial").has_value());
  }  // destroyed without commit: the client went away mid-message
  CHECK(files_in(spool.path / "tmp") == 0);
  CHECK(files_in(spool.path / "new") == 0);
}

TEST_CASE("the null sender is recorded as an empty Return-Path") {
  TemporaryDirectory spool;
  auto message = opes::proxy::SpoolMessage::create(spool.path, {"", {"b@example.org"}});
  REQUIRE(message.has_value());
  auto committed = message->commit();
  REQUIRE(committed.has_value());
  CHECK(read_file(*committed).rfind("Return-Path: <>\r\n", 0) == 0);
}

TEST_CASE("a spool directory that cannot be created is an error, not a crash") {
  auto message = opes::proxy::SpoolMessage::create("/proc/opes-no-such-spool", {"a@example.org", {}});
  REQUIRE_FALSE(message.has_value());
  CHECK(message.error().find("cannot create /proc/opes-no-such-spool") == 0);
}
