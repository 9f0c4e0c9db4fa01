// Redaction: keeps credentials out of logs, API error bodies, audit entries and
// anything else that leaves the process as text. Two pure functions, reusable by any
// unit (logging wraps every sink with redact(); API handlers run venue error bodies
// through it before echoing them).
//
// Guarantees:
//  - is_sensitive_name(name) is true when the name contains, case-insensitively, one
//    of: key, secret, token, passphrase, password, passwd, signature, authorization,
//    credential, cookie — or has a part (split on non-alphanumerics) equal to "sign"
//    or "sig" (OK-ACCESS-SIGN). The one exemption is fencing_token, an HA epoch
//    number operators need to see. The rule errs on the side of hiding: a field named
//    "monkey" is hidden too.
//  - redact(text) replaces the value of every `name=value`, `name: value`,
//    `"name":"value"`, `'name': 'value'` and JSON-escaped `\"name\":\"value\"` whose
//    name is sensitive with `***`, keeping the name and separators. A header line
//    (`X-MBX-APIKEY: value with spaces`, dashed name + colon) is hidden to the end of
//    the line; `Authorization: Bearer X` keeps its scheme (`Authorization: Bearer
//    ***`), and a bare `Bearer X` anywhere is redacted too. An unquoted value after a quoted name
//    becomes `"***"` so JSON stays valid. redact is idempotent.
//  - Neither function throws (beyond std::bad_alloc) or keeps state.
//
// Threads: pure functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace propbot {

// The replacement written in place of a secret.
inline constexpr std::string_view kRedacted = "***";

bool is_sensitive_name(std::string_view name);

std::string redact(std::string_view text);

}  // namespace propbot
