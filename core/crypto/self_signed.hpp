// A self-signed TLS certificate generated at run time — for `propbot venue-sim --tls`
// and for TLS tests over loopback, so that no key is ever committed: an EC P-256 leaf
// for the given CN with subjectAltName DNS:localhost, IP:127.0.0.1, IP:::1, valid from
// one hour ago for `valid_days`, marked CA:TRUE so a client can trust the certificate
// file itself.
//
// Guarantees: the directory (mode 0700, under $TMPDIR or /tmp) and both files are
// removed when the SelfSignedCertificate is destroyed. Never throws.
// Threads: make_self_signed_certificate is safe from any thread.
// Uses: OpenSSL 3 (EVP_EC_gen, X509 v3 extensions).
#pragma once

#include <string>

#include "core/common/result.hpp"

namespace propbot::crypto {

class SelfSignedCertificate {
 public:
  SelfSignedCertificate() = default;
  SelfSignedCertificate(std::string directory, std::string cert_file, std::string key_file);
  ~SelfSignedCertificate();
  SelfSignedCertificate(SelfSignedCertificate&& other) noexcept;
  SelfSignedCertificate& operator=(SelfSignedCertificate&& other) noexcept;
  SelfSignedCertificate(const SelfSignedCertificate&) = delete;
  SelfSignedCertificate& operator=(const SelfSignedCertificate&) = delete;

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
struct SelfSignedOptions {
  std::string common_name = "localhost";
  std::string organization = "PropBot";
  long valid_days = 1;
  std::string directory_prefix = "propbot-tls";  // the temp directory's name starts so
};
Result<SelfSignedCertificate> make_self_signed_certificate(const SelfSignedOptions& options = {});

}  // namespace propbot::crypto
