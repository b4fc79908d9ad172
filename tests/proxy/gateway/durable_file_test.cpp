// DurableFile: the one temp-file, fsync, rename, directory-fsync sequence
// (durable_file.hpp), its success and its error paths.

#include <doctest/doctest.h>

#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "opes/proxy/durable_file.hpp"

namespace {

namespace fs = std::filesystem;
using opes::proxy::DurableFile;

struct Folders {
  fs::path root;
  fs::path tmp;
  fs::path done;
  Folders() {
    root = fs::temp_directory_path() / ("opes-durable-test-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::remove_all(root);
    tmp = root / "tmp";
    done = root / "new";
    fs::create_directories(tmp);
    fs::create_directories(done);
  }
  ~Folders() {
    std::error_code ignored;
    fs::permissions(root / "locked", fs::perms::owner_all, ignored);
    fs::remove_all(root, ignored);
  }
};

std::size_t files_in(const fs::path& directory) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(directory), fs::directory_iterator{}));
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("a durable file is invisible until commit, then complete in the final folder, mode 0600") {
  Folders folders;
  auto file = DurableFile::create(folders.tmp, folders.done, ".msg");
  REQUIRE(file.has_value());
  REQUIRE(file->write("one ").has_value());
  REQUIRE(file->write("two").has_value());
  CHECK(file->size() == 7);
  CHECK(files_in(folders.tmp) == 1);
  CHECK(files_in(folders.done) == 0);
  auto committed = file->commit();
  REQUIRE(committed.has_value());
  CHECK(committed->parent_path() == folders.done);
  CHECK(committed->extension() == ".msg");
  CHECK(read_file(*committed) == "one two");
  CHECK(files_in(folders.tmp) == 0);
  CHECK((fs::status(*committed).permissions() & (fs::perms::group_all | fs::perms::others_all)) ==
        fs::perms::none);
  CHECK_FALSE(file->open());
  CHECK(file->write("late").error() == "the file is closed");
  CHECK(file->commit().error() == "the file is closed");
}

TEST_CASE("two files never share a name") {
  Folders folders;
  auto a = DurableFile::create(folders.tmp, folders.done);
  auto b = DurableFile::create(folders.tmp, folders.done);
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(a->temporary_path() != b->temporary_path());
  CHECK(a->temporary_path().extension() == ".eml");
}

TEST_CASE("an abandoned or destroyed file leaves nothing behind") {
  Folders folders;
  {
    auto file = DurableFile::create(folders.tmp, folders.done);
    REQUIRE(file.has_value());
    REQUIRE(file->write("partial").has_value());
  }
  auto aborted = DurableFile::create(folders.tmp, folders.done);
  REQUIRE(aborted.has_value());
  aborted->abort();
  // A moved-from file owns nothing; the one moved into removes its file.
  auto moved = DurableFile::create(folders.tmp, folders.done);
  REQUIRE(moved.has_value());
  DurableFile taken = std::move(*moved);
  CHECK_FALSE(moved->open());
  taken.abort();
  CHECK(files_in(folders.tmp) == 0);
  CHECK(files_in(folders.done) == 0);
}

TEST_CASE("a temporary folder that is missing or not a folder is an error naming the path") {
  Folders folders;
  auto missing = DurableFile::create(folders.root / "missing", folders.done);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().find("cannot create " + (folders.root / "missing").string() + "/") == 0);
  CHECK(missing.error().find("No such file or directory") != std::string::npos);
  std::ofstream(folders.root / "plain") << "x";
  auto not_a_folder = DurableFile::create(folders.root / "plain", folders.done);
  REQUIRE_FALSE(not_a_folder.has_value());
  CHECK(not_a_folder.error().find("Not a directory") != std::string::npos);
}

TEST_CASE("an unwritable temporary folder is an error, not a crash") {
  Folders folders;
  const fs::path locked = folders.root / "locked";
  fs::create_directories(locked);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  auto file = DurableFile::create(locked, folders.done);
  if (::geteuid() == 0) {
    // root writes anyway (CAP_DAC_OVERRIDE): nothing to refuse.
    CHECK(file.has_value());
  } else {
    REQUIRE_FALSE(file.has_value());
    CHECK(file.error().find("Permission denied") != std::string::npos);
  }
}

TEST_CASE("a final folder that went away fails the commit and removes the temporary file") {
  Folders folders;
  auto file = DurableFile::create(folders.tmp, folders.done);
  REQUIRE(file.has_value());
  REQUIRE(file->write("message").has_value());
  fs::remove_all(folders.done);
  auto committed = file->commit();
  REQUIRE_FALSE(committed.has_value());
  CHECK(committed.error().find("cannot rename into " + folders.done.string() + "/") == 0);
  CHECK(files_in(folders.tmp) == 0);
}

TEST_CASE("a write the file system refuses is an error naming the file") {
  Folders folders;
  auto file = DurableFile::create(folders.tmp, folders.done);
  REQUIRE(file.has_value());
  // RLIMIT_FSIZE: write(2) fails with EFBIG past the limit (SIGXFSZ ignored).
  rlimit old{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  auto* previous = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old;
  small.rlim_cur = 4;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
  auto written = file->write("more than four octets");
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, previous);
  REQUIRE_FALSE(written.has_value());
  CHECK(written.error().find("cannot write " + file->temporary_path().string() + ": File too large") == 0);
  file->abort();
  CHECK(files_in(folders.tmp) == 0);
}
