// Which credential a call carries upstream, and which other caller metadata
// travels with it.
//
//   authorization: Bearer abc        -> Authorization: Bearer abc (verbatim)
//   x-api-key: abc                   -> Authorization: Bearer abc
//   neither, --api_key_file has abc  -> Authorization: Bearer abc
//   none of these                    -> UNAUTHENTICATED, nothing is sent
//
// A blank credential ("", "   ", or "Bearer" with no token) counts as none.
// Values are HTTP header field values: printable ASCII, space and tab. A
// control character (CR, LF, NUL, VT, FF, ...), DEL or a byte >= 0x80 is
// INVALID_ARGUMENT rather than passed on for the upstream to misread.
//
// Only an allowlist of other metadata is forwarded (x-request-id by
// default; traceparent and tracestate are trace_context.h's); binary (-bin) metadata, gRPC's own
// headers and the credential headers never are. No error message ever holds
// a credential.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "proxy/core/http_types.h"
#include "proxy/edge/metadata.h"

namespace gateway_proxy {

// The credential a call carries upstream.
struct Authorization {
  // The Authorization header value: "Bearer abc".
  std::string value;
  // The key the proxy added from its key file, when it did: the caller never
  // had it, so it must not come back to the caller (redaction.h). Empty when
  // the caller sent its own credential.
  std::string injected_key;
};

// The Authorization header for a call carrying `metadata`, falling back to
// `file_key` (empty when no key file is configured or it is empty).
// UNAUTHENTICATED when there is no credential at all; INVALID_ARGUMENT, naming
// the key but never the value, when the credential holds a byte that is not
// allowed in a header value.
absl::StatusOr<Authorization> SelectAuthorization(const Metadata& metadata,
                                                  absl::string_view file_key);

// True when `value` may travel as an HTTP header field value as it is:
// printable ASCII, space and horizontal tab only.
bool IsHeaderValueSafe(absl::string_view value);

// The headers to forward: the entries of `metadata` whose key is in
// `allowlist` (lower-case names) and that IsForwardableKey() accepts
// (metadata.h; config refuses any other name already). INVALID_ARGUMENT, naming
// the key, when a value is not IsHeaderValueSafe().
absl::StatusOr<HttpHeaders> ForwardedHeaders(const Metadata& metadata,
                                             const std::vector<std::string>& allowlist);

// An API key kept in a file (a Kubernetes Secret volume), re-read when the
// file changes so a rotated secret takes effect without a restart.
// Thread-safe.
class ApiKeyFile {
 public:
  // `recheck_interval` bounds how often the file is stat()ed; 0 checks on
  // every call.
  explicit ApiKeyFile(std::string path,
                      absl::Duration recheck_interval = absl::Seconds(1));

  // Reads the file now. NOT_FOUND / PERMISSION_DENIED / FAILED_PRECONDITION
  // (empty, several lines, a byte not allowed in a header) name the path,
  // never the content. Used at start-up.
  absl::Status Load();

  // The current key (surrounding whitespace removed). A change is seen by
  // inode, size, modification or status-change time, so a rewrite that keeps
  // the length and restores the old mtime is seen too (its ctime moved). When
  // the file changed and cannot be read any more the last good key stays in
  // use, and a warning (never the key) goes to stderr, at most one every
  // kWarningInterval.
  std::string Current();

  static constexpr absl::Duration kWarningInterval = absl::Seconds(10);

  const std::string& path() const { return path_; }

 private:
  struct Stamp {
    long long inode = -1;
    long long size = -1;
    long long mtime_ns = -1;
    long long ctime_ns = -1;
    bool operator==(const Stamp& o) const {
      return inode == o.inode && size == o.size && mtime_ns == o.mtime_ns &&
             ctime_ns == o.ctime_ns;
    }
  };
  // The stamp and key of the file at `path`, or nullopt when its stamp is
  // still `known`. Reads the file; takes no lock.
  static absl::StatusOr<std::optional<std::pair<Stamp, std::string>>> ReadIfChanged(
      const std::string& path, const Stamp& known);

  const std::string path_;
  const absl::Duration recheck_interval_;
  absl::Mutex mu_;
  std::string key_ ABSL_GUARDED_BY(mu_);
  Stamp stamp_ ABSL_GUARDED_BY(mu_);
  absl::Time last_check_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // Failed re-reads not yet reported, and when the last report went out.
  int unreported_failures_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_warning_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace gateway_proxy
