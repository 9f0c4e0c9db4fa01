// ScratchDirectory: a private temporary directory (mode 0700, from mkdtemp) removed with
// everything in it when the object dies. The bundle's checks write a bundle there for
// the loaders that read files. path() is empty when the directory could not be made.
//
// A process killed while it held one (a validation worker past its deadline, a
// `propbot config validate` interrupted with -9) cannot remove it; its name carries the
// owner's pid ("propbot-bundle-<pid>-XXXXXX") so sweep_abandoned() can remove the
// directories of owners that no longer run. The daemon sweeps at start and after a
// worker was killed.
#pragma once

#include <cstddef>
#include <string>

namespace propbot::bundle {

class ScratchDirectory {
 public:
  ScratchDirectory();
  ~ScratchDirectory();
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  const std::string& path() const { return path_; }

  // Removes the scratch directories in the temporary directory (or `parent`, for
  // tests) whose owner process has ended — real directories owned by this user only, so
  // a look-alike another user planted is never followed; returns how many. Never throws.
  static std::size_t sweep_abandoned(const std::string& parent = {});
  // Where scratch directories are made ($TMPDIR, else /tmp). A child that makes them
  // must be given the same (TMPDIR) for the sweep to find what it leaves behind.
  static std::string parent();

 private:
  std::string path_;
};

}  // namespace propbot::bundle
