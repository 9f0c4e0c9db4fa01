#include "core/bundle/scratch_directory.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <system_error>

namespace propbot::bundle {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPrefix = "propbot-bundle-";

fs::path temp_root() {
  std::error_code error;
  fs::path root = fs::temp_directory_path(error);
  return error ? fs::path("/tmp") : root;
}

// The owner pid in "propbot-bundle-<pid>-XXXXXX", 0 when the name is not one of ours.
pid_t owner_of(std::string_view name) {
  if (name.substr(0, kPrefix.size()) != kPrefix) return 0;
  name.remove_prefix(kPrefix.size());
  pid_t pid = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
  if (ec != std::errc{} || end == name.data() || end == name.data() + name.size() || *end != '-' || pid <= 0) return 0;
  return pid;
}

bool process_gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

}  // namespace

std::string ScratchDirectory::parent() { return temp_root().string(); }

ScratchDirectory::ScratchDirectory() {
  std::string pattern = (temp_root() / (std::string(kPrefix) + std::to_string(::getpid()) + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
}

ScratchDirectory::~ScratchDirectory() {
  std::error_code error;
  if (!path_.empty()) fs::remove_all(path_, error);
}

std::size_t ScratchDirectory::sweep_abandoned(const std::string& parent) {
  const fs::path root = parent.empty() ? temp_root() : fs::path(parent);
  std::size_t removed = 0;
  std::error_code error;
  for (fs::directory_iterator it(root, error), end; !error && it != end; it.increment(error)) {
    const pid_t owner = owner_of(it->path().filename().string());
    if (owner == 0 || !process_gone(owner)) continue;
    // Only a real directory of ours: in a shared temporary directory another user could
    // plant a look-alike (or a symbolic link) for us to delete through.
    struct stat info {};
    if (::lstat(it->path().c_str(), &info) != 0 || !S_ISDIR(info.st_mode) || info.st_uid != ::geteuid()) continue;
    std::error_code ignored;
    if (fs::remove_all(it->path(), ignored) > 0 && !ignored) ++removed;
  }
  return removed;
}

}  // namespace propbot::bundle
