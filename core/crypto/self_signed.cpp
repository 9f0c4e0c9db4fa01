#include "core/crypto/self_signed.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <utility>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace propbot::crypto {
namespace {

struct Deleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  void operator()(X509* cert) const { X509_free(cert); }
  void operator()(X509_EXTENSION* extension) const { X509_EXTENSION_free(extension); }
  void operator()(BIO* bio) const { BIO_free(bio); }
};

Error openssl_failure(const char* what) {
  char text[256] = "unknown";
  if (unsigned long code = ERR_get_error(); code != 0) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return make_error(Errc::internal, std::string(what) + " failed: " + text);
}

bool add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, Deleter> extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  return extension && X509_add_ext(cert, extension.get(), -1) == 1;
}

Status write_pem(const std::string& path, mode_t mode, bool key, EVP_PKEY* pkey, X509* cert) {
  std::unique_ptr<BIO, Deleter> bio(BIO_new_file(path.c_str(), "w"));
  if (!bio) return make_error(Errc::io_error, "cannot create " + path);
  ::chmod(path.c_str(), mode);
  int ok = key ? PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr)
               : PEM_write_bio_X509(bio.get(), cert);
  if (ok != 1) return openssl_failure(key ? "PEM_write_bio_PrivateKey" : "PEM_write_bio_X509");
  return {};
}

}  // namespace

SelfSignedCertificate::SelfSignedCertificate(std::string directory, std::string cert_file, std::string key_file)
    : directory_(std::move(directory)), cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}

SelfSignedCertificate::~SelfSignedCertificate() { remove(); }

SelfSignedCertificate::SelfSignedCertificate(SelfSignedCertificate&& other) noexcept
    : directory_(std::exchange(other.directory_, {})),
      cert_file_(std::exchange(other.cert_file_, {})),
      key_file_(std::exchange(other.key_file_, {})) {}

SelfSignedCertificate& SelfSignedCertificate::operator=(SelfSignedCertificate&& other) noexcept {
  if (this != &other) {
    remove();
    directory_ = std::exchange(other.directory_, {});
    cert_file_ = std::exchange(other.cert_file_, {});
    key_file_ = std::exchange(other.key_file_, {});
  }
  return *this;
}

void SelfSignedCertificate::remove() {
  if (directory_.empty()) return;
  ::unlink(cert_file_.c_str());
  ::unlink(key_file_.c_str());
  ::rmdir(directory_.c_str());
  directory_.clear();
}

Result<SelfSignedCertificate> make_self_signed_certificate(const SelfSignedOptions& options) {
  const std::string& common_name = options.common_name;
  std::unique_ptr<EVP_PKEY, Deleter> key(EVP_EC_gen("P-256"));
  if (!key) return openssl_failure("EVP_EC_gen(P-256)");
  std::unique_ptr<X509, Deleter> cert(X509_new());
  if (!cert) return openssl_failure("X509_new");
  X509_set_version(cert.get(), 2);  // v3
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(::getpid()) * 1000 + std::rand() % 1000);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), options.valid_days * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(options.organization.c_str()), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), name);
  std::string alt_names = "DNS:" + common_name + ",DNS:localhost,IP:127.0.0.1,IP:::1";
  // CA:TRUE lets the certificate act as its own trust anchor; the leaf usages keep
  // OpenSSL's purpose checks for a TLS server happy.
  if (!add_extension(cert.get(), NID_subject_alt_name, alt_names.c_str()) ||
      !add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign") ||
      !add_extension(cert.get(), NID_ext_key_usage, "serverAuth") ||
      !add_extension(cert.get(), NID_subject_key_identifier, "hash")) {
    return openssl_failure("X509V3_EXT_conf_nid");
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return openssl_failure("X509_sign");

  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + options.directory_prefix + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) return make_error(Errc::io_error, "mkdtemp(" + pattern + ") failed");
  SelfSignedCertificate result(pattern, pattern + "/cert.pem", pattern + "/key.pem");
  if (Status status = write_pem(result.key_file(), 0600, true, key.get(), nullptr); !status) return status.error();
  if (Status status = write_pem(result.cert_file(), 0644, false, nullptr, cert.get()); !status) return status.error();
  return result;
}

}  // namespace propbot::crypto
