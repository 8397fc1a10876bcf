// Plain values for one HTTP exchange with the upstream REST API, shared by
// the transcoder, the error translation and the HttpClient.
//
//   HttpRequest req{"PATCH", "/v1/accounts/acme/users/alice?updateMask=role",
//                   {{"Authorization", "Bearer ..."}}, R"({"role":"admin"})"};
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace gateway_proxy {

// Header names as sent or received; lookups ignore case.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "GET", "PATCH", ...
  std::string path;    // Origin-form target: path and query, starts with '/'.
  HttpHeaders headers;
  std::string body;  // JSON; empty when the rule has no body.
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;
  // The client's own retries before this response (retry_policy.h).
  int retries = 0;

  // The value of the first header called `name` (any case), or "" when the
  // response has none.
  absl::string_view Header(absl::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (absl::EqualsIgnoreCase(key, name)) return value;
    }
    return {};
  }
};

}  // namespace gateway_proxy
