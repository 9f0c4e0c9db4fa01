// redacted(): a JSON document with every credential hidden, its structure intact — what
// a forensic bundle writes, so a bundle can be handed to anyone who investigates.
//
// Guarantees: the value of every object member whose name is sensitive
// (is_sensitive_name, core/common/redaction.hpp: "api_key", "secret", "token", ... but
// not "fencing_token") becomes "***", whatever its type; every other string runs through
// redact() (a "Bearer X" or "api_key=X" inside free text such as an incident summary).
// Names are kept, so a reader sees that something was there. The result is always valid
// JSON (a textual redact() over a serialised document is not: `"key": {...}`).
//
// Pure, any thread. Recursion follows the document's depth (documents built in memory
// by this process; nlohmann's parser bounds nothing here).
#pragma once

#include <nlohmann/json.hpp>

namespace propbot::forensics {

nlohmann::json redacted(const nlohmann::json& document);

}  // namespace propbot::forensics
