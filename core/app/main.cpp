// propbot: the one binary. Subcommands: run, ctl, venue-sim, secrets, audit, config, strategy, backup, restore, version, help.
#include <iostream>
#include <string>
#include <vector>

#include "core/app/commands/audit_command.hpp"
#include "core/app/commands/backup_command.hpp"
#include "core/app/commands/capture_command.hpp"
#include "core/app/commands/config_command.hpp"
#include "core/app/commands/ctl_command.hpp"
#include "core/app/commands/export_command.hpp"
#include "core/app/commands/market_history_command.hpp"
#include "core/app/commands/run_command.hpp"
#include "core/app/commands/secrets_command.hpp"
#include "core/app/commands/strategy_command.hpp"
#include "core/app/commands/venue_sim_command.hpp"
#include "propbot/build_info.hpp"

namespace {

void print_usage(std::ostream& out) {
  out << "usage: propbot <command> [options]\n"
         "\n"
         "commands:\n"
         "  run --profile paper|testnet|live [--config FILE] [--data-dir DIR] [--bind ADDR] [--port N]\n"
         "        [--capture FILE [--capture-max-mb N]]\n"
         "        start the daemon (always in HOLD); --port 0 picks a free port; --capture records\n"
         "        every raw venue WebSocket message with its receive time into FILE (new file,\n"
         "        at most N MiB, default 1024)\n"
         "  capture info FILE   frames per venue/channel, bytes/event and time span of a capture\n"
         "  market-history --data-dir DIR [--minutes N] [--limit ROWS]\n"
         "        the last N minutes (10) of the market history as JSON rows (read-only)\n"
         "  venue-sim [--binance-port N] [--okx-port M] [--admin-port K] [--tls] [--seed S]\n"
         "        run the loopback venue simulator (Binance/OKX wire protocols + admin API);\n"
         "        port 0 picks a free port; prints '<name> listening on URL' per listener\n"
         "  secrets init --store FILE --key-file FILE\n"
         "  secrets add-token --store FILE --key-file FILE --name NAME --role viewer|auditor|operator [--token TOKEN]\n"
         "  secrets set --store FILE --key-file FILE NAME          (value from stdin)\n"
         "  secrets get-names --store FILE --key-file FILE\n"
         "  secrets rotate --store FILE --key-file FILE\n"
         "  secrets show-dev --data-dir DIR\n"
         "        the AES-256-GCM secrets store; --key-file may be omitted when PROPBOT_SECRETS_KEY is set\n"
         "  audit verify --data-dir DIR | --file FILE.jsonl | export --data-dir DIR --out FILE.jsonl  (audit chain)\n"
         "  export --data-dir DIR --out FILE.jsonl [--from ISO8601] [--to ISO8601] [--csv-dir DIR2] [--force]\n"
         "        WORM export: audit, incidents, orders, fills, ledger entries, hash-chained;\n"
         "        verify offline with 'propbot audit verify --file FILE.jsonl'\n"
         "  backup --data-dir DIR --out FILE [--force]\n"
         "        online backup of the ledger (DIR/journal.sqlite), safe while the daemon runs\n"
         "  restore --data-dir DIR --from FILE [--force]\n"
         "        install a ledger backup (refused while a daemon runs on DIR); --force sets the\n"
         "        current journal aside under DIR/backups/pre_restore_<time>/\n"
         "  config validate DIR [--profile paper|testnet|live]  (check a config bundle; errors as file:line: message)\n"
         "  strategy test FILE_test.lua [--strategy FILE] [--filter SUBSTRING]\n"
         "        run a strategy's Lua tests (PASS/FAIL per test, file:line of a failure);\n"
         "        exit 0 all passed, 1 a test failed, 2 usage error ('strategy help' for more)\n"
         "  ctl [--url URL] [--token TOKEN] [--json] SUBCOMMAND ...\n"
         "        a client of a running daemon's API: status, components, positions, hold, resume-request,\n"
         "        confirm, resume, incidents, ack, approvals, export-log, config validate|apply|rollback\n"
         "        ('propbot ctl --help' for more)\n"
         "  version      print version and build\n"
         "  help         this text\n";
}

}  // namespace

int main(int argc, char** argv, char** envp) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_usage(std::cerr);
    return 2;
  }
  const std::string command = args.front();
  args.erase(args.begin());
  if (command == "version" || command == "--version") {
    std::cout << "propbot " << propbot::build_info::version << " (build " << propbot::build_info::git_sha << ", "
              << propbot::build_info::build_type << ")\n";
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    print_usage(std::cout);
    return 0;
  }
  if (command == "run") return propbot::app::run_command(args, envp, argv[0]);
  if (command == "audit") return propbot::app::audit_command(args);
  if (command == "backup") return propbot::app::backup_command(args);
  if (command == "restore") return propbot::app::restore_command(args);
  if (command == "capture") return propbot::app::capture_command(args);
  if (command == "market-history") return propbot::app::market_history_command(args);
  if (command == "config") return propbot::app::config_command(args);
  if (command == "ctl") return propbot::app::ctl_command(args);
  if (command == "export") return propbot::app::export_command(args);
  if (command == "venue-sim") return propbot::app::venue_sim_command(args);
  if (command == "secrets") return propbot::app::secrets_command(args);
  if (command == "strategy") return propbot::app::strategy_command(args);
  std::cerr << "propbot: unknown command '" << command << "'\n";
  print_usage(std::cerr);
  return 2;
}
