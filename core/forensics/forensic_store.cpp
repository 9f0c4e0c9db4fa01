#include "core/forensics/forensic_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <optional>
#include <system_error>

#include "core/crypto/sha256.hpp"
#include "core/exec/outbox_file.hpp"
#include "core/forensics/redacted_json.hpp"

namespace propbot::forensics {
namespace {

namespace fs = std::filesystem;
using exec::sync_directory;  // a directory fsync, so a created or renamed name survives power loss
using nlohmann::json;

constexpr std::string_view kPartialPrefix = ".partial-";
constexpr int kManifestFormat = 1;

Error io_error(const std::string& what, const std::string& path, int error_number) {
  return make_error(Errc::io_error, what + " " + path + ": " + std::strerror(error_number));
}

Error io_error(const std::string& what, const std::string& path, const std::error_code& error) {
  return make_error(Errc::io_error, what + " " + path + ": " + error.message());
}

Status make_private_directory(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return io_error("create directory", path, errno);
  if (::chmod(path.c_str(), 0700) != 0) return io_error("chmod 0700", path, errno);
  return {};
}

// A new file, 0600 whatever the umask, durable when this returns ok.
Status write_private_file(const std::string& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("create", path, errno);
  Status status;
  if (::fchmod(fd, 0600) != 0) status = io_error("chmod 0600", path, errno);
  std::size_t written = 0;
  while (status && written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = io_error("write", path, errno);
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  if (status && ::fsync(fd) != 0) status = io_error("fsync", path, errno);
  ::close(fd);
  return status;
}

std::string pretty(const json& document) { return document.dump(2, ' ', false, json::error_handler_t::replace) + "\n"; }

// The document's text, or the truncation marker when the text is over the cap.
std::string file_text(const json& document, std::size_t max_bytes) {
  std::string text = pretty(redacted(document));
  if (text.size() <= max_bytes) return text;
  // Escaping can grow the head up to six times (\u00XX): start at an eighth, halve until it fits.
  for (std::size_t head = max_bytes / 8; head > 0; head /= 2) {
    std::string marker = pretty(json{{"truncated", true},
                                     {"original_bytes", text.size()},
                                     {"max_file_bytes", max_bytes},
                                     {"head", text.substr(0, head)}});
    if (marker.size() <= max_bytes) return marker;
  }
  return pretty(json{{"truncated", true}, {"original_bytes", text.size()}, {"max_file_bytes", max_bytes}});
}

std::optional<std::int64_t> bundle_id_of(const std::string& name) {
  if (name.empty() || name.size() > 19) return std::nullopt;
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
  if (ec != std::errc() || end != name.data() + name.size() || id < 0) return std::nullopt;
  if (std::to_string(id) != name) return std::nullopt;  // "007" is not a bundle we wrote
  return id;
}

}  // namespace

ForensicStore::ForensicStore(ForensicStoreOptions options) : options_(std::move(options)) {
  options_.max_bundles = std::max<std::size_t>(options_.max_bundles, 1);
  options_.max_file_bytes = std::max<std::size_t>(options_.max_file_bytes, 4096);
}

std::string ForensicStore::bundle_path(std::int64_t incident_id) const {
  return (fs::path(options_.root) / std::to_string(incident_id)).string();
}

Result<WrittenBundle> ForensicStore::write(std::int64_t incident_id, const std::vector<BundleDocument>& documents,
                                           UtcTime captured_at) {
  std::error_code error;
  fs::create_directories(options_.root, error);
  if (error) return io_error("create directory", options_.root, error);
  if (Status made = make_private_directory(options_.root); !made) return made.error();
  (void)sweep();

  WrittenBundle written;
  written.path = bundle_path(incident_id);
  if (fs::exists(written.path, error)) {
    return make_error(Errc::already_exists, "forensic bundle " + written.path + " exists already; it is kept");
  }
  const std::string partial = (fs::path(options_.root) / (std::string(kPartialPrefix) + std::to_string(incident_id))).string();
  if (Status made = make_private_directory(partial); !made) return made.error();
  auto abandon = [&](Error failure) -> Result<WrittenBundle> {
    std::error_code ignored;
    fs::remove_all(partial, ignored);
    return failure;
  };

  json files = json::array();
  for (const BundleDocument& document : documents) {
    const std::string text = file_text(document.content, options_.max_file_bytes);
    if (Status put = write_private_file((fs::path(partial) / document.name).string(), text); !put) {
      return abandon(put.error());
    }
    files.push_back({{"name", document.name}, {"bytes", text.size()}, {"sha256", crypto::sha256_hex(text)}});
    written.bytes += text.size();
  }
  const std::string manifest = pretty(json{{"format", kManifestFormat},
                                           {"incident_id", incident_id},
                                           {"captured_at", format_iso8601_ms(captured_at)},
                                           {"max_file_bytes", options_.max_file_bytes},
                                           {"files", std::move(files)}});
  if (Status put = write_private_file((fs::path(partial) / kManifestName).string(), manifest); !put) {
    return abandon(put.error());
  }
  written.bytes += manifest.size();
  written.manifest_sha256 = crypto::sha256_hex(manifest);
  if (Status synced = sync_directory(partial); !synced) return abandon(synced.error());
  if (::rename(partial.c_str(), written.path.c_str()) != 0) return abandon(io_error("rename into", written.path, errno));
  if (Status synced = sync_directory(options_.root); !synced) return synced.error();
  written.pruned = sweep();
  return written;
}

std::vector<std::int64_t> ForensicStore::bundle_ids() const {
  std::vector<std::int64_t> ids;
  std::error_code error;
  for (fs::directory_iterator it(options_.root, error), end; !error && it != end; it.increment(error)) {
    if (!it->is_directory(error)) continue;
    if (auto id = bundle_id_of(it->path().filename().string())) ids.push_back(*id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::size_t ForensicStore::sweep() {
  std::error_code error;
  std::vector<fs::path> partials;
  for (fs::directory_iterator it(options_.root, error), end; !error && it != end; it.increment(error)) {
    if (it->path().filename().string().rfind(kPartialPrefix, 0) == 0) partials.push_back(it->path());
  }
  for (const auto& path : partials) fs::remove_all(path, error);

  const std::vector<std::int64_t> ids = bundle_ids();
  std::size_t removed = 0;
  for (std::size_t i = 0; i + options_.max_bundles < ids.size(); ++i) {
    if (fs::remove_all(bundle_path(ids[i]), error) > 0 && !error) ++removed;
  }
  return removed;
}

}  // namespace propbot::forensics
