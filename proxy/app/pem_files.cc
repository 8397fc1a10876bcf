#include "proxy/app/pem_files.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

#include "absl/strings/str_cat.h"

namespace gateway_proxy {
namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct InfoStackFree {
  void operator()(STACK_OF(X509_INFO) * infos) const {
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
  }
};

std::unique_ptr<BIO, BioFree> Open(const std::string& path) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_file(path.c_str(), "r"));
}

// `problem`, after "--FLAG: " unless `flag` is empty.
absl::Status Invalid(const std::string& flag, const std::string& problem) {
  ERR_clear_error();  // OpenSSL's queue holds why; the message says it plainly.
  return absl::InvalidArgumentError(
      flag.empty() ? problem : absl::StrCat("--", flag, ": ", problem));
}

}  // namespace

absl::Status CheckCertificateAndKey(const std::string& cert_path, const std::string& key_path,
                                    const std::string& cert_flag, const std::string& key_flag) {
  auto cert_file = Open(cert_path);
  std::unique_ptr<X509, X509Free> cert(
      cert_file == nullptr ? nullptr
                           : PEM_read_bio_X509(cert_file.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) {
    return Invalid(cert_flag, absl::StrCat("\"", cert_path, "\" holds no PEM certificate"));
  }
  auto key_file = Open(key_path);
  // A null password callback with an empty password: an encrypted key is
  // refused here rather than prompting on a terminal.
  std::unique_ptr<EVP_PKEY, KeyFree> key(
      key_file == nullptr
          ? nullptr
          : PEM_read_bio_PrivateKey(key_file.get(), nullptr, nullptr, const_cast<char*>("")));
  if (key == nullptr) {
    return Invalid(key_flag,
                   absl::StrCat("\"", key_path, "\" holds no unencrypted PEM private key"));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return Invalid(key_flag, absl::StrCat("\"", key_path, "\" does not match the certificate in --",
                                          cert_flag, " \"", cert_path, "\""));
  }
  return absl::OkStatus();
}

absl::Status CheckCaBundle(const std::string& path) {
  auto file = Open(path);
  std::unique_ptr<STACK_OF(X509_INFO), InfoStackFree> infos(
      file == nullptr ? nullptr
                      : PEM_X509_INFO_read_bio(file.get(), nullptr, nullptr, nullptr));
  int certificates = 0;
  for (int i = 0; infos != nullptr && i < sk_X509_INFO_num(infos.get()); ++i) {
    if (sk_X509_INFO_value(infos.get(), i)->x509 != nullptr) ++certificates;
  }
  if (certificates == 0) {
    return Invalid("", absl::StrCat("\"", path, "\" holds no PEM certificate"));
  }
  return absl::OkStatus();
}

}  // namespace gateway_proxy
