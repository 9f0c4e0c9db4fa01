// A fresh temporary directory for one test, removed with everything in it at the end.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <sys/stat.h>

#include <stdlib.h>

namespace propbot::secrets::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "propbot-secrets-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline unsigned file_mode(const std::string& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) return 0;
  return static_cast<unsigned>(status.st_mode & 07777);
}

}  // namespace propbot::secrets::testing
