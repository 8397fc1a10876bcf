// Start-up checks of the PEM files the TLS flags name, with OpenSSL (which
// gRPC and libcurl use to read them later), so that a garbage or mismatched
// file stops start-up with a line naming the flag and the file, never its
// content:
//
//   CheckCertificateAndKey("cert.pem", "other.key")
//   -> INVALID_ARGUMENT "--tls_key: \"other.key\" does not match the
//      certificate in --tls_cert \"cert.pem\""
#pragma once

#include <string>

#include "absl/status/status.h"

namespace gateway_proxy {

// OK when `cert_path` holds a PEM certificate (chain) and `key_path` a PEM
// private key that belongs to its first certificate. The message starts
// with the flag at fault, `cert_flag` or `key_flag` ("--tls_cert: " or
// "--tls_key: " unless told otherwise).
absl::Status CheckCertificateAndKey(const std::string& cert_path, const std::string& key_path,
                                    const std::string& cert_flag = "tls_cert",
                                    const std::string& key_flag = "tls_key");

// OK when `path` holds at least one PEM certificate; otherwise
// INVALID_ARGUMENT saying so (without a flag name: the caller adds it).
absl::Status CheckCaBundle(const std::string& path);

}  // namespace gateway_proxy
