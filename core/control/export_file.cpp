#include "core/control/export_file.hpp"

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace propbot::control {
namespace {

Error io_error(const std::string& what, const std::string& path) {
  return make_error(Errc::io_error, what + " '" + path + "': " + std::strerror(errno));
}

}  // namespace

void ExportFile::Closer::operator()(std::FILE* file) const { std::fclose(file); }

ExportFile::ExportFile(std::string path, std::FILE* file) : path_(std::move(path)), file_(file) {}

Result<ExportFile> ExportFile::create(std::string path) {
  const std::string partial = path + ".partial";
  std::FILE* file = std::fopen(partial.c_str(), "wb");
  if (file == nullptr) return io_error("cannot create", partial);
  return ExportFile(std::move(path), file);
}

ExportFile::ExportFile(ExportFile&& other) noexcept
    : path_(std::move(other.path_)), file_(std::move(other.file_)), owns_partial_(other.owns_partial_) {
  other.owns_partial_ = false;
}

ExportFile::~ExportFile() {
  if (!owns_partial_) return;
  file_.reset();
  std::remove(partial().c_str());
}

Status ExportFile::write(std::string_view text) {
  if (!file_) return make_error(Errc::io_error, "'" + partial() + "' is already closed");
  if (std::fwrite(text.data(), 1, text.size(), file_.get()) != text.size()) return io_error("writing", partial());
  return {};
}

Status ExportFile::commit(bool replace) {
  if (!file_) return make_error(Errc::io_error, "'" + partial() + "' is already closed");
  if (std::fflush(file_.get()) != 0 || ::fsync(::fileno(file_.get())) != 0) return io_error("flushing", partial());
  if (std::fclose(file_.release()) != 0) return io_error("closing", partial());
  if (replace) {
    if (std::rename(partial().c_str(), path_.c_str()) != 0) return io_error("cannot rename into place", path_);
  } else {
    if (::link(partial().c_str(), path_.c_str()) != 0) {
      if (errno == EEXIST) {
        return make_error(Errc::already_exists, "'" + path_ + "' already exists: exports are write-once");
      }
      return io_error("cannot move into place", path_);
    }
    ::unlink(partial().c_str());
  }
  owns_partial_ = false;
  return {};
}

}  // namespace propbot::control
