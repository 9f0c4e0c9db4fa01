// DaemonProcess: runs the real `propbot` binary as a child process for end-to-end
// tests — arguments and environment of the test's choosing, stdout and stderr captured
// to files, the `listening on http://ADDR:PORT` line parsed for the port, and SIGTERM /
// SIGKILL with the exit status collected.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace propbot::testing {

class DaemonProcess {
 public:
  // `env` entries "NAME=value" are added to (and override) the test's environment.
  DaemonProcess(std::vector<std::string> args, std::vector<std::string> env = {});
  ~DaemonProcess();  // SIGKILLs a child still running
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  bool start();
  // Waits for the listening line on stdout; returns the port.
  std::optional<int> wait_for_listening(std::chrono::milliseconds timeout);
  // Waits for the child to exit; returns the exit code (or 128+signal).
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  void send_signal(int signal);
  bool running();

  std::string stdout_text() const;
  std::string stderr_text() const;
  pid_t pid() const { return pid_; }

 private:
  std::vector<std::string> args_;
  std::vector<std::string> env_;
  std::string dir_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// `propbot venue-sim`'s listeners: waits for its admin line (printed last, once every
// listener is up) and answers each "<name> listening on http://127.0.0.1:PORT" line as
// name -> port; nullopt when the process exits or the timeout passes first.
std::optional<std::map<std::string, int>> wait_for_venue_sim_listeners(DaemonProcess& process,
                                                                       std::chrono::milliseconds timeout);

// A short-lived run of a command (the binary's CLI subcommands) to completion.
struct CommandRun {
  int exit_code = -1;  // -1 when it did not start or did not exit in time
  std::string out;
  std::string err;
};
CommandRun run_to_exit(std::vector<std::string> args, std::chrono::milliseconds timeout);

// The development credentials of a paper daemon's secrets store, read with
// `propbot secrets show-dev --data-dir DIR` (the binary given).
struct DevCredentials {
  std::map<std::string, std::string> tokens;  // name -> bearer token
  std::string approve_token;
  std::string totp_seed;  // base32, without "totp:"
};
DevCredentials read_dev_credentials(const std::string& binary, const std::string& data_dir);

// The whole content of a file ("" when it cannot be read).
std::string read_text_file(const std::string& path);

// A fresh temporary directory, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace propbot::testing
