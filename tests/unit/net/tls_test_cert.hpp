// A self-signed certificate and key generated at test time (OpenSSL 3), for TLS tests
// of servers and clients over loopback: keys are never committed. The certificate is
// an EC P-256 leaf for CN=localhost with subjectAltName DNS:localhost, IP:127.0.0.1,
// IP:::1, valid from one hour ago for one day; trusting the certificate file itself as
// the CA (TlsClientOptions::ca_file) makes a client accept it.
//
// Guarantees: the directory (mode 0700, under $TMPDIR or /tmp) and both files are
// removed when the TestCertificate is destroyed. Never throws.
// Threads: make_test_certificate is safe from any thread.
// Uses: OpenSSL 3 (EVP_EC_gen, X509 v3 extensions).
#pragma once

#include <string>

#include "core/common/result.hpp"

namespace propbot::test_support {

class TestCertificate {
 public:
  TestCertificate() = default;
  TestCertificate(std::string directory, std::string cert_file, std::string key_file);
  ~TestCertificate();
  TestCertificate(TestCertificate&& other) noexcept;
  TestCertificate& operator=(TestCertificate&& other) noexcept;
  TestCertificate(const TestCertificate&) = delete;
  TestCertificate& operator=(const TestCertificate&) = delete;

  const std::string& directory() const { return directory_; }
  const std::string& cert_file() const { return cert_file_; }  // PEM certificate (also the CA to trust)
  const std::string& key_file() const { return key_file_; }    // PEM PKCS#8 private key, mode 0600

 private:
  void remove();
  std::string directory_;
  std::string cert_file_;
  std::string key_file_;
};

// Errors: io_error (temp dir or files), internal (an OpenSSL call failed, named).
Result<TestCertificate> make_test_certificate(const std::string& common_name = "localhost");

}  // namespace propbot::test_support
