#include "core/bundle/scratch_directory.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace propbot::bundle {

namespace fs = std::filesystem;

ScratchDirectory::ScratchDirectory() {
  std::error_code error;
  std::string pattern = (fs::temp_directory_path(error) / "propbot-bundle-XXXXXX").string();
  if (error) pattern = "/tmp/propbot-bundle-XXXXXX";
  if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
}

ScratchDirectory::~ScratchDirectory() {
  std::error_code error;
  if (!path_.empty()) fs::remove_all(path_, error);
}

}  // namespace propbot::bundle
