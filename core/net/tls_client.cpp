#include "core/net/tls_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "core/net/url.hpp"

namespace propbot::net {

std::string take_openssl_error() {
  unsigned long code = ERR_get_error();
  std::string text;
  while (code != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    text = buffer;  // keep the last one: usually the most specific
    code = ERR_get_error();
  }
  return text.empty() ? "unknown OpenSSL error" : text;
}

Result<ssl_ctx_st*> make_client_tls_context(const TlsClientOptions& options) {
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  if (context == nullptr) return make_error(Errc::internal, "SSL_CTX_new failed: " + take_openssl_error());
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  if (options.insecure_skip_verify) {
    SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
    return context;
  }
  SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
  int loaded = options.ca_file.empty() ? SSL_CTX_set_default_verify_paths(context)
                                       : SSL_CTX_load_verify_locations(context, options.ca_file.c_str(), nullptr);
  if (loaded != 1) {
    std::string why = take_openssl_error();
    SSL_CTX_free(context);
    return make_error(Errc::config_invalid, options.ca_file.empty()
                                                ? "cannot load the system CA store: " + why
                                                : "cannot load CA file '" + options.ca_file + "': " + why);
  }
  return context;
}

Status configure_client_tls(ssl_st* ssl, const TlsClientOptions& options, const std::string& host) {
  const std::string& name = options.server_name.empty() ? host : options.server_name;
  const bool ip = is_ip_literal(name);
  if (!ip && SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) {
    return make_error(Errc::internal, "cannot set SNI '" + name + "': " + take_openssl_error());
  }
  if (options.insecure_skip_verify) return {};
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) : X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
  if (ok != 1) return make_error(Errc::internal, "cannot set the expected peer name '" + name + "'");
  return {};
}

}  // namespace propbot::net
