// ScratchDirectory: a private temporary directory (mode 0700, from mkdtemp) removed with
// everything in it when the object dies. The bundle's checks write a bundle there for
// the loaders that read files. path() is empty when the directory could not be made.
#pragma once

#include <string>

namespace propbot::bundle {

class ScratchDirectory {
 public:
  ScratchDirectory();
  ~ScratchDirectory();
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace propbot::bundle
