// The config service's answers, shared by its read and change halves: the JSON shapes
// of errors, versions, diffs and activations, the `files` body reader, the running
// bundle read from disk, and the limits on what a caller may send.
//
// Pure functions except disk_bundle() and text_of_file(), which read files.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/bundle/activation_store.hpp"
#include "core/bundle/bundle.hpp"
#include "core/bundle/bundle_store.hpp"
#include "core/bundle/validator.hpp"
#include "core/common/result.hpp"
#include "core/config/config.hpp"
#include "core/config_service/config_service.hpp"

namespace propbot::config_service::answers {

using nlohmann::json;


inline constexpr std::string_view kBreakersFile = "policies/circuit_breakers.lua";
// An apply's `message` is stored with the version and shown in the history; in live it
// also becomes the reason of a loosening approval ("config version N: <message>"),
// which the control plane holds to 1000 bytes.
inline constexpr std::size_t kMaxApplyMessageBytes = 900;
// Tokens are "pbr_" and a few dozen characters (random_token); 128 bytes is none of them.
inline constexpr std::size_t kMaxRollbackTokenBytes = 128;


// An apply's "reset_state" holds at most this many strategy names.
inline constexpr std::size_t kMaxResetStateNames = 64;

json errors_json(const std::vector<bundle::ValidationError>& errors);
// The apply body's optional "reset_state": ["<strategy>", …] (shape only: a list of at
// most kMaxResetStateNames non-empty strings, duplicates dropped). An error names the field.
Result<std::vector<std::string>> reset_state_of(const json& body);
// Every name is an enabled strategy of `config`; else the message naming the field.
std::optional<std::string> unknown_reset_name(const std::vector<std::string>& names, const config::Config& config);
ConfigAnswer answer(int status, std::string code, json body);
ConfigAnswer busy();
std::optional<bundle::Bundle::Files> files_of(const json& body, std::vector<bundle::ValidationError>& errors);
std::string text_of_file(const std::string& path);
Result<bundle::Bundle> disk_bundle(const config::Config& running);
json version_json(const bundle::BundleVersionInfo& info, std::int64_t running);
json changes_json(const bundle::BundleDiff& d);
json activation_json(const bundle::Activation& a);
std::string names(const std::vector<std::string>& list);

}  // namespace propbot::config_service::answers
