#include "support/test_certs.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace gateway_proxy::testing {
namespace {

bool Run(const std::string& command) {
  const int rc = std::system(absl::StrCat(command, " >/dev/null 2>&1").c_str());
  if (rc != 0) ADD_FAILURE() << "failed: " << command;
  return rc == 0;
}

TestCerts Make() {
  char pattern[] = "/tmp/gateway-proxy-certs-XXXXXX";
  const std::string dir = mkdtemp(pattern);
  TestCerts certs;
  const std::string key_opts = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  auto ca = [&](const std::string& name) {
    Run(absl::StrCat("openssl req -x509 ", key_opts, " -keyout ", dir, "/", name,
                     ".key -out ", dir, "/", name, ".crt -days 1 -subj /CN=", name));
    return absl::StrCat(dir, "/", name, ".crt");
  };
  auto leaf = [&](const std::string& name, const std::string& extensions) {
    std::ofstream(absl::StrCat(dir, "/", name, ".ext")) << extensions << "\n";
    Run(absl::StrCat("openssl req ", key_opts, " -keyout ", dir, "/", name, ".key -out ",
                     dir, "/", name, ".csr -subj /CN=", name));
    Run(absl::StrCat("openssl x509 -req -in ", dir, "/", name, ".csr -CA ", dir,
                     "/test-ca.crt -CAkey ", dir, "/test-ca.key -CAcreateserial -out ", dir,
                     "/", name, ".crt -days 1 -extfile ", dir, "/", name, ".ext"));
  };
  certs.ca_cert = ca("test-ca");
  certs.other_ca_cert = ca("other-ca");
  leaf("server", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth");
  leaf("client", "extendedKeyUsage=clientAuth");
  certs.server_cert = dir + "/server.crt";
  certs.server_key = dir + "/server.key";
  certs.client_cert = dir + "/client.crt";
  certs.client_key = dir + "/client.key";
  return certs;
}

}  // namespace

const TestCerts& TestCerts::Get() {
  static const TestCerts* certs = new TestCerts(Make());
  return *certs;
}

std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace gateway_proxy::testing
