// `propbot secrets …` (core/app/secrets_command) run as the real binary: the CLI
// contract of README "Secrets" — outputs, exit codes, and that no value leaks where it
// must not. Values are compared with EXPECT_TRUE so a failure never prints one.
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "core/common/clock.hpp"
#include "core/secrets/paper_store.hpp"
#include "core/secrets/secrets_store.hpp"
#include "core/secrets/store_key.hpp"
#include "tests/unit/secrets/temp_dir.hpp"

extern char** environ;

namespace propbot::secrets {
namespace {

using testing::file_mode;
using testing::TempDir;

constexpr std::string_view kHexKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

class SecretsCliTest : public ::testing::Test {
 protected:
  // Runs `propbot secrets ARGS` with `input` on stdin. The test's PROPBOT_SECRETS_KEY
  // is never inherited; `env` entries ("NAME=value") are added.
  CliResult secrets(std::vector<std::string> args, const std::string& input = "", std::vector<std::string> env = {}) {
    args.insert(args.begin(), {PROPBOT_BINARY, "secrets"});
    const std::string in_path = io_.file("stdin"), out_path = io_.file("stdout"), err_path = io_.file("stderr");
    std::ofstream(in_path, std::ios::binary | std::ios::trunc) << input;

    std::vector<std::string> environment;
    for (char** entry = environ; *entry != nullptr; ++entry) {
      if (!std::string_view(*entry).starts_with("PROPBOT_SECRETS_KEY=")) environment.emplace_back(*entry);
    }
    environment.insert(environment.end(), env.begin(), env.end());
    std::vector<char*> argv, envp;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    for (std::string& entry : environment) envp.push_back(entry.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, in_path.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = -1;
    CliResult run;
    const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
      ADD_FAILURE() << "cannot run " << argv[0];
      return run;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    run.out = read_text(out_path);
    run.err = read_text(err_path);
    return run;
  }

  CliResult init() { return secrets({"init", "--store", store_, "--key-file", key_}); }

  TempDir dir_;
  TempDir io_;
  std::string store_ = dir_.file("secrets.enc");
  std::string key_ = dir_.file("secrets.key");
  RealClock clock_;
};

TEST_F(SecretsCliTest, InitAddTokenSetAndGetNamesWorkTogetherWithoutShowingValues) {
  CliResult made = init();
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_EQ(file_mode(store_), 0600u);
  EXPECT_EQ(file_mode(key_), 0600u);
  EXPECT_TRUE(contains(made.out, "created secrets store " + store_));

  CliResult generated =
      secrets({"add-token", "--store", store_, "--key-file", key_, "--name", "alice", "--role", "operator"});
  ASSERT_EQ(generated.exit_code, 0) << generated.err;
  const std::vector<std::string> out_lines = lines_of(generated.out);
  ASSERT_EQ(out_lines.size(), 1u) << "the token is printed alone, once";
  const std::string alice_token = out_lines[0];
  EXPECT_TRUE(std::regex_match(alice_token, std::regex("pbt_[0-9a-f]{64}")));
  EXPECT_FALSE(contains(generated.err, alice_token));
  EXPECT_TRUE(contains(generated.err, "added token 'alice' (role operator)"));

  const std::string bob_token = "bob-chose-this-token-0123456789";
  CliResult given = secrets({"add-token", "--store", store_, "--key-file", key_, "--name", "bob", "--role=viewer",
                       "--token", bob_token});
  ASSERT_EQ(given.exit_code, 0) << given.err;
  EXPECT_TRUE(given.out.empty()) << "a token given on the command line is not printed back";

  const std::string venue_secret = "venue-secret-value-Zq81";
  CliResult set = secrets({"set", "--store", store_, "--key-file", key_, "binance.api_secret"}, venue_secret + "\n");
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_FALSE(contains(set.out + set.err, venue_secret));

  CliResult names = secrets({"get-names", "--store", store_, "--key-file", key_});
  ASSERT_EQ(names.exit_code, 0) << names.err;
  const std::vector<std::string> lines = lines_of(names.out);
  ASSERT_EQ(lines.size(), 4u) << names.out;
  EXPECT_TRUE(lines[0].starts_with("store " + store_ + " profile=standard created_at=")) << lines[0];
  EXPECT_TRUE(lines[0].ends_with(" key_rotated_at=-")) << lines[0];
  EXPECT_TRUE(std::regex_match(lines[1], std::regex("secret binance\\.api_secret updated_at=\\S+Z"))) << lines[1];
  EXPECT_TRUE(std::regex_match(lines[2], std::regex("token alice role=operator created_at=\\S+Z"))) << lines[2];
  EXPECT_TRUE(std::regex_match(lines[3], std::regex("token bob role=viewer created_at=\\S+Z"))) << lines[3];
  for (const std::string& value : {venue_secret, alice_token, bob_token}) {
    EXPECT_FALSE(contains(names.out + names.err, value)) << "get-names showed a value";
  }

  // What the CLI wrote is what the library reads: the newline was stripped, the tokens work.
  Result<Secret> key = load_key_file(key_);
  ASSERT_TRUE(key.ok());
  Result<SecretsStore> store = SecretsStore::open(store_, std::move(*key), clock_);
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_TRUE(store->get("binance.api_secret", "test")->reveal() == venue_secret);
  EXPECT_EQ(store->authenticate(alice_token)->name, "alice");
  EXPECT_EQ(store->authenticate(bob_token)->role, Role::viewer);
}

TEST_F(SecretsCliTest, UsageErrorsExitTwoWithOneLineNamingTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string names;
  };
  const std::vector<Case> cases = {
      {{"init", "--key-file", key_}, "--store"},
      {{"init", "--store", store_}, "--key-file"},
      {{"init", "--store", store_, "--key-file"}, "--key-file"},
      {{"init", "--store", store_, "--key-file", key_, "--colour", "red"}, "--colour"},
      {{"add-token", "--store", store_, "--key-file", key_, "--role", "operator"}, "--name"},
      {{"add-token", "--store", store_, "--key-file", key_, "--name", "x"}, "--role"},
      {{"add-token", "--store", store_, "--key-file", key_, "--name", "x", "--role", "admin"}, "--role"},
      {{"add-token", "--store", store_, "--key-file", key_, "--name", "x", "--role", "viewer", "--token", "short"},
       "--token"},
      {{"set", "--store", store_, "--key-file", key_}, "NAME"},
      {{"set", "--store", store_, "--key-file", key_, "okx.api_key", "typed-value"}, "values are read from stdin"},
      {{"rotate", "--store", store_}, "--key-file"},
      {{"show-dev"}, "--data-dir"},
      {{"frobnicate"}, "frobnicate"},
      {{}, "subcommand"},
  };
  for (const Case& c : cases) {
    CliResult run = secrets(c.args);
    EXPECT_EQ(run.exit_code, 2) << c.names << ": " << run.err;
    EXPECT_EQ(lines_of(run.err).size(), 1u) << run.err;
    EXPECT_TRUE(contains(run.err, c.names)) << run.err;
    EXPECT_FALSE(contains(run.err, "typed-value")) << "a stray value is not echoed";
  }
  EXPECT_FALSE(std::filesystem::exists(store_));
}

TEST_F(SecretsCliTest, StoreErrorsExitOneWithTheStoresMessage) {
  ASSERT_EQ(init().exit_code, 0);
  CliResult again = init();
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_TRUE(contains(again.err, "already exists"));

  const std::string other_key = dir_.file("other.key");
  ASSERT_EQ(secrets({"init", "--store", dir_.file("other.enc"), "--key-file", other_key}).exit_code, 0);
  CliResult wrong = secrets({"get-names", "--store", store_, "--key-file", other_key});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_TRUE(contains(wrong.err, "cannot decrypt secrets store '" + store_ + "': wrong key or corrupted file"))
      << wrong.err;

  ASSERT_EQ(::chmod(key_.c_str(), 0644), 0);
  CliResult open = secrets({"get-names", "--store", store_, "--key-file", key_});
  EXPECT_EQ(open.exit_code, 1);
  EXPECT_TRUE(contains(open.err, "chmod 600 " + key_)) << open.err;

  CliResult bad_name = secrets({"set", "--store", dir_.file("other.enc"), "--key-file", other_key, "bad/name"}, "v");
  EXPECT_EQ(bad_name.exit_code, 2) << "a bad NAME is a usage error";
  EXPECT_TRUE(contains(bad_name.err, "NAME: secret name 'bad/name'")) << bad_name.err;

  CliResult missing = secrets({"get-names", "--store", dir_.file("absent.enc"), "--key-file", other_key});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(contains(missing.err, "does not exist")) << missing.err;
}

TEST_F(SecretsCliTest, TakesTheKeyFromTheEnvironmentWhenNoKeyFileIsGiven) {
  const std::vector<std::string> env = {"PROPBOT_SECRETS_KEY=" + std::string(kHexKey)};
  CliResult made = secrets({"init", "--store", store_}, "", env);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_FALSE(std::filesystem::exists(key_));
  EXPECT_FALSE(contains(made.out + made.err, kHexKey));
  ASSERT_EQ(secrets({"set", "--store", store_, "approve_token"}, "approve-value-0001", env).exit_code, 0);
  CliResult names = secrets({"get-names", "--store", store_}, "", env);
  ASSERT_EQ(names.exit_code, 0) << names.err;
  EXPECT_TRUE(contains(names.out, "secret approve_token "));
  EXPECT_EQ(secrets({"get-names", "--store", store_}).exit_code, 2) << "no key at all is a usage error";
}

TEST_F(SecretsCliTest, RotateLeavesTheOldKeyUseless) {
  ASSERT_EQ(init().exit_code, 0);
  ASSERT_EQ(secrets({"set", "--store", store_, "--key-file", key_, "okx.api_key"}, "okx-value").exit_code, 0);
  const std::string old_key = dir_.file("old.key");
  std::filesystem::copy_file(key_, old_key);

  CliResult rotated = secrets({"rotate", "--store", store_, "--key-file", key_});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  EXPECT_EQ(file_mode(key_), 0600u);
  EXPECT_NE(read_text(key_), read_text(old_key));
  EXPECT_FALSE(std::filesystem::exists(store_ + ".bak"));

  CliResult with_old = secrets({"get-names", "--store", store_, "--key-file", old_key});
  EXPECT_EQ(with_old.exit_code, 1);
  EXPECT_TRUE(contains(with_old.err, "wrong key or corrupted file"));
  CliResult with_new = secrets({"get-names", "--store", store_, "--key-file", key_});
  ASSERT_EQ(with_new.exit_code, 0) << with_new.err;
  EXPECT_TRUE(contains(with_new.out, "secret okx.api_key "));
  EXPECT_FALSE(contains(with_new.out, "key_rotated_at=-"));
}

TEST_F(SecretsCliTest, ShowDevPrintsAPaperStoresCredentials) {
  Result<PaperStore> paper = ensure_paper_store(dir_.path(), clock_);
  ASSERT_TRUE(paper.ok()) << paper.error().message;

  CliResult shown = secrets({"show-dev", "--data-dir", dir_.path()});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  const std::vector<std::string> lines = lines_of(shown.out);
  ASSERT_EQ(lines.size(), 6u);
  const std::vector<std::string> prefixes = {"token auditor1 auditor pbt_", "token operator1 operator pbt_",
                                             "token operator2 operator pbt_", "token viewer1 viewer pbt_",
                                             "secret approve_token pba_", "secret approve_token_2fa totp:"};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_TRUE(lines[i].starts_with(prefixes[i])) << "line " << i << " should start with " << prefixes[i];
  }
  // The printed tokens are the live ones.
  const std::string operator1_token = lines[1].substr(lines[1].rfind(' ') + 1);
  const auto identity = paper->store.authenticate(operator1_token);
  ASSERT_TRUE(identity.has_value());
  EXPECT_EQ(identity->name, "operator1");
  const std::string approve = lines[4].substr(lines[4].rfind(' ') + 1);
  EXPECT_TRUE(paper->store.get("approve_token", "test")->matches(approve));

  // get-names on the same store lists them without values.
  CliResult names = secrets({"get-names", "--store", paper->store_file, "--key-file", paper->key_file});
  ASSERT_EQ(names.exit_code, 0) << names.err;
  EXPECT_TRUE(contains(names.out, "profile=paper"));
  EXPECT_TRUE(contains(names.out, "token operator2 role=operator"));
  EXPECT_FALSE(contains(names.out, operator1_token));
  EXPECT_FALSE(contains(names.out, approve));
}

TEST_F(SecretsCliTest, ShowDevRefusesAnyStoreButAPaperOne) {
  ASSERT_EQ(init().exit_code, 0);  // a standard store at <dir>/secrets.enc + secrets.key
  ASSERT_EQ(secrets({"set", "--store", store_, "--key-file", key_, "approve_token"}, "live-approve-0001").exit_code, 0);
  CliResult shown = secrets({"show-dev", "--data-dir", dir_.path()});
  EXPECT_EQ(shown.exit_code, 1);
  EXPECT_TRUE(shown.out.empty());
  EXPECT_TRUE(contains(shown.err, "not paper")) << shown.err;

  CliResult empty = secrets({"show-dev", "--data-dir", io_.path()});
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_TRUE(contains(empty.err, "no secrets store in")) << empty.err;
}

}  // namespace
}  // namespace propbot::secrets
