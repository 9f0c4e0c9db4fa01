#include "core/bundle/bundle.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/crypto/sha256.hpp"

namespace propbot::bundle {
namespace {

namespace fs = std::filesystem;

struct BundleDirectory {
  std::string_view name;
  std::string_view extension;
};

// The three directories of a bundle, as data: read_bundle, the path rule and the docs
// follow this table.
constexpr std::array<BundleDirectory, 3> kDirectories{{
    {"configs", ".yaml"},
    {"strategies", ".lua"},
    {"policies", ".lua"},
}};

bool is_name_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.';
}

Status check_limits(const Bundle::Files& files) {
  if (files.size() > kMaxFiles) {
    return make_error(Errc::invalid_argument,
                      "a bundle holds at most " + std::to_string(kMaxFiles) + " files, got " + std::to_string(files.size()));
  }
  for (const auto& [path, content] : files) {
    if (content.size() > kMaxFileBytes) {
      return make_error(Errc::invalid_argument, path + ": " + std::to_string(content.size()) +
                                                    " bytes, a bundle file may have at most " +
                                                    std::to_string(kMaxFileBytes));
    }
  }
  return {};
}

}  // namespace

std::string check_bundle_path(std::string_view path) {
  if (path.find("..") != std::string_view::npos) return "must not contain '..'";
  const auto slash = path.find('/');
  if (slash == std::string_view::npos) return "must be <dir>/<file> with dir configs, strategies or policies";
  const std::string_view directory = path.substr(0, slash);
  const std::string_view name = path.substr(slash + 1);
  const auto entry = std::find_if(kDirectories.begin(), kDirectories.end(),
                                  [&](const BundleDirectory& d) { return d.name == directory; });
  if (entry == kDirectories.end()) return "is outside the bundle directories configs/, strategies/, policies/";
  if (name.empty() || name.front() == '.' || !std::all_of(name.begin(), name.end(), is_name_character)) {
    return "file name must be letters, digits, '_', '-', '.' (no subdirectories, no leading '.')";
  }
  if (name.size() <= entry->extension.size() ||
      name.substr(name.size() - entry->extension.size()) != entry->extension) {
    return "files under " + std::string(entry->name) + "/ must end in " + std::string(entry->extension);
  }
  return {};
}

Result<Bundle> Bundle::from_files(Files files) {
  for (const auto& [path, content] : files) {
    if (std::string why = check_bundle_path(path); !why.empty()) {
      return make_error(Errc::invalid_argument, "bundle path '" + path + "' " + why);
    }
  }
  if (Status limits = check_limits(files); !limits) return limits.error();
  return Bundle(std::move(files));
}

const std::string* Bundle::find(std::string_view path) const {
  const auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second;
}

bool Bundle::has_policies() const {
  const auto it = files_.lower_bound(std::string_view("policies/"));
  return it != files_.end() && it->first.rfind("policies/", 0) == 0;
}

Result<Bundle> Bundle::with_overrides(const Files& overrides) const {
  Files merged = files_;
  for (const auto& [path, content] : overrides) {
    if (std::string why = check_bundle_path(path); !why.empty()) {
      return make_error(Errc::invalid_argument, "override '" + path + "' refused: the path " + why);
    }
    if (!files_.contains(path) && path.rfind("strategies/", 0) != 0 && path.rfind("policies/", 0) != 0) {
      return make_error(Errc::invalid_argument, "override '" + path +
                                                    "' refused: only strategies/ and policies/ files may be added; "
                                                    "configs/ files can only be replaced");
    }
    merged[path] = content;
  }
  if (Status limits = check_limits(merged); !limits) return limits.error();
  return Bundle(std::move(merged));
}

std::string Bundle::hash() const {
  // path NUL length NUL content, for each file in path order: lengths make the framing
  // unambiguous whatever bytes the contents hold.
  std::string framed;
  for (const auto& [path, content] : files_) {
    framed += path;
    framed += '\0';
    framed += std::to_string(content.size());
    framed += '\0';
    framed += content;
  }
  return crypto::sha256_hex(framed);
}

Status Bundle::write_to(const std::string& directory) const {
  std::error_code error;
  for (const auto& [path, content] : files_) {
    const fs::path target = fs::path(directory) / path;
    fs::create_directories(target.parent_path(), error);
    if (error) return make_error(Errc::io_error, "cannot create " + target.parent_path().string() + ": " + error.message());
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) return make_error(Errc::io_error, "cannot write " + target.string());
  }
  return {};
}

Result<Bundle> read_bundle(const std::string& directory) {
  std::error_code error;
  if (!fs::is_directory(directory, error)) {
    return make_error(Errc::not_found, "bundle directory '" + directory + "' does not exist");
  }
  if (!fs::is_directory(fs::path(directory) / "configs", error)) {
    return make_error(Errc::not_found, "bundle directory '" + directory + "' has no configs/ directory");
  }
  Bundle::Files files;
  for (const BundleDirectory& entry : kDirectories) {
    const fs::path root = fs::path(directory) / entry.name;
    if (!fs::is_directory(root, error)) continue;
    for (fs::directory_iterator it(root, error), end; !error && it != end; it.increment(error)) {
      if (!it->is_regular_file(error)) continue;
      const std::string path = std::string(entry.name) + "/" + it->path().filename().string();
      if (!check_bundle_path(path).empty()) continue;  // README.md, editor backups, ...
      if (files.size() >= kMaxFiles) {
        return make_error(Errc::invalid_argument, "bundle directory '" + directory + "' holds more than " +
                                                      std::to_string(kMaxFiles) + " bundle files");
      }
      std::ifstream in(it->path(), std::ios::binary);
      std::ostringstream content;
      content << in.rdbuf();
      if (!in) return make_error(Errc::io_error, "cannot read " + it->path().string());
      files.emplace(path, std::move(content).str());
    }
    if (error) return make_error(Errc::io_error, "cannot list " + root.string() + ": " + error.message());
  }
  return Bundle::from_files(std::move(files));
}

}  // namespace propbot::bundle
