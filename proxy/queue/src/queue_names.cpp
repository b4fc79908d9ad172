#include "queue_names.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>

#include "ocp/smtp/ascii.hpp"

namespace opes::queue {

bool is_entry_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 64 || id.front() == '.') return false;
  for (const char c : id)
    if (!ocp::smtp::ascii::is_alnum(c) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

bool is_domain_folder(std::string_view domain) noexcept {
  if (domain.empty() || domain.size() > 255 || domain.front() == '.') return false;
  if (domain.find("..") != std::string_view::npos) return false;
  for (const char c : domain) {
    const bool lower = c >= 'a' && c <= 'z';
    if (!lower && !ocp::smtp::ascii::is_digit(c) && c != '.' && c != '-') return false;
  }
  return true;
}

std::string make_message_id() {
  static std::atomic<unsigned long long> counter{0};
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  // Fixed widths keep the text order the time order (up to the year 2286,
  // and a million messages in one microsecond).
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%016lld.%06llu.%d", static_cast<long long>(micros),
                (counter++) % 1000000ull, static_cast<int>(::getpid()));
  return buffer;
}

}  // namespace opes::queue
