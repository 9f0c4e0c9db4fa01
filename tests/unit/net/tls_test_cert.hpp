// Test-time TLS material: a self-signed certificate and key made at run time (never
// committed) by the same generator `propbot venue-sim --tls` uses, valid for one day.
// Trusting the certificate file itself as the CA (TlsClientOptions::ca_file) makes a
// client accept it. The files are removed when the TestCertificate is destroyed.
#pragma once

#include <string>

#include "core/crypto/self_signed.hpp"

namespace propbot::test_support {

using TestCertificate = crypto::SelfSignedCertificate;

inline Result<TestCertificate> make_test_certificate(const std::string& common_name = "localhost") {
  crypto::SelfSignedOptions options;
  options.common_name = common_name;
  options.organization = "PropBot tests";
  return crypto::make_self_signed_certificate(options);
}

}  // namespace propbot::test_support
