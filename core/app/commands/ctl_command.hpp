// `propbot ctl`: a command-line client of a running daemon's HTTP API (SPEC S-11.10).
//
//   propbot ctl [--url URL] [--token TOKEN] [--json] [--timeout SECONDS] SUBCOMMAND …
//
// Subcommands and the routes they call (docs/API.md; docs/OPERATOR_RUNBOOK.md, "propbot
// ctl"): status (GET /api/ui/status/overview when it answers 200, else GET /api/health +
// /api/ui/control-state), components, positions, hold --reason R, resume-request
// --reason R, confirm ID --token APPROVE [--totp C], resume, incidents, ack ID
// --root-cause TEXT [--resolve], approvals, approvals confirm ID --token APPROVE
// [--totp C], export-log [--format json|csv] [--out FILE], config validate DIR|FILE…,
// config apply DIR|FILE… --message M [--reset-state NAME]…, config rollback TOKEN.
//
// The bearer token comes from --token (before the subcommand, or anywhere for a
// subcommand without a --token of its own) or the API_TOKEN environment variable; it is
// never printed. For confirm and approvals confirm, a --token after the subcommand is
// the approve token (also a secret, never printed).
//
// Exit status: 0 ok; 1 the daemon refused (one line: status, the daemon's error code
// and message, what to do) or a config bundle is not valid; 2 usage error (with the
// usage); 3 the daemon cannot be reached (the URL named).
//
// Uses: ctl_http (transport), ctl_views / ctl_table (text), ctl_refusal (messages),
// core/bundle (reading a bundle directory).
#pragma once

#include <string>
#include <vector>

namespace propbot::app {

int ctl_command(const std::vector<std::string>& args);

}  // namespace propbot::app
