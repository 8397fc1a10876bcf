// A throwaway certificate authority for TLS tests: a CA, a server
// certificate for localhost / 127.0.0.1 and a client certificate, all made
// with the openssl command in a temporary directory and valid for a day.
//
//   const TestCerts& certs = TestCerts::Get();
//   config.tls_cert = certs.server_cert; config.tls_key = certs.server_key;
#pragma once

#include <string>

namespace gateway_proxy::testing {

struct TestCerts {
  std::string ca_cert;
  std::string server_cert;
  std::string server_key;
  std::string client_cert;
  std::string client_key;
  // A second CA that signed none of the above.
  std::string other_ca_cert;

  // Made once per process; a test failure when openssl fails.
  static const TestCerts& Get();
};

// The contents of `path` ("" when it cannot be read).
std::string ReadTextFile(const std::string& path);

}  // namespace gateway_proxy::testing
