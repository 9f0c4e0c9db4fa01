// Client-side TLS settings shared by HttpsClient and WsClient, and the OpenSSL calls
// that apply them. Boost-free (OpenSSL types are forward-declared): the Beast
// translation units wrap the SSL_CTX built here in their asio ssl::context.
//
// Guarantees: peer verification is on unless insecure_skip_verify is set explicitly;
// the certificate is checked against the host name (or the IP address for an IP
// literal host) the client connects to; TLS 1.2 is the minimum; SNI carries the host
// name (never an IP literal, RFC 6066).
// Threads: plain functions, safe from any thread.
// Uses: OpenSSL 3, url (is_ip_literal).
#pragma once

#include <string>

#include "core/common/result.hpp"

struct ssl_ctx_st;  // SSL_CTX
struct ssl_st;      // SSL

namespace propbot::net {

struct TlsClientOptions {
  // PEM file of trusted CA certificates (or a self-signed server certificate to trust).
  // Empty: the system's default trust store.
  std::string ca_file;
  // Tests only: accept any certificate. Never in production configuration.
  bool insecure_skip_verify = false;
  // Name sent as SNI and verified in the certificate; empty = the host connected to.
  std::string server_name;
};

// A new SSL_CTX (reference owned by the caller: free it with SSL_CTX_free, or hand it
// to asio's ssl::context, which takes ownership). Errors: config_invalid naming the CA
// file when it cannot be loaded; internal when OpenSSL cannot allocate.
Result<ssl_ctx_st*> make_client_tls_context(const TlsClientOptions& options);

// Per connection, before the handshake: sets SNI and the expected peer name for
// `host` (or options.server_name). Errors: internal when OpenSSL refuses the name.
Status configure_client_tls(ssl_st* ssl, const TlsClientOptions& options, const std::string& host);

// The most recent OpenSSL error text (and the queue is cleared), for error messages.
std::string take_openssl_error();

}  // namespace propbot::net
