#include "core/crypto/self_signed.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include <gtest/gtest.h>

namespace propbot::crypto {
namespace {

namespace fs = std::filesystem;

TEST(SelfSignedTest, MakesAPemCertificateAndAPrivateKeyOnlyTheOwnerCanRead) {
  SelfSignedOptions options;
  options.directory_prefix = "propbot-selfsigned-test";
  auto made = make_self_signed_certificate(options);
  ASSERT_TRUE(made) << made.error().describe();
  std::stringstream cert;
  cert << std::ifstream(made->cert_file()).rdbuf();
  EXPECT_EQ(cert.str().rfind("-----BEGIN CERTIFICATE-----", 0), 0u);
  struct stat key_stat {};
  ASSERT_EQ(::stat(made->key_file().c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);
  EXPECT_NE(made->directory().find("propbot-selfsigned-test-"), std::string::npos);
}

TEST(SelfSignedTest, FilesAreRemovedWithTheObject) {
  std::string directory;
  {
    auto made = make_self_signed_certificate();
    ASSERT_TRUE(made);
    directory = made->directory();
    ASSERT_TRUE(fs::exists(made->key_file()));
  }
  EXPECT_FALSE(fs::exists(directory));
}

}  // namespace
}  // namespace propbot::crypto
