#include "access_log.h"

#include "absl/time/clock.h"
#include "gateway_proxy/logs.pb.h"
#include "google/protobuf/util/json_util.h"
#include "status_mapping.h"

namespace gateway_proxy {

std::string AccessLogLine(const CallRecord& record, absl::Time now) {
  AccessLogEntry entry;
  entry.set_time(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", now, absl::UTCTimeZone()));
  entry.set_grpc_method(record.grpc_method);
  entry.set_grpc_code(std::string(CodeName(record.code)));
  entry.set_http_method(record.http_method);
  entry.set_upstream_status(record.upstream_status);
  entry.set_latency_ms(absl::ToDoubleMilliseconds(record.latency));
  entry.set_upstream_latency_ms(absl::ToDoubleMilliseconds(record.upstream_latency));
  entry.set_request_id(record.request_id);
  return LogJson(entry);
}

std::string LogJson(const google::protobuf::Message& entry) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;  // A fixed set of fields.
  options.preserve_proto_field_names = true;     // snake_case, as logs have it.
  std::string json;
  // Plain strings and numbers: printing cannot fail.
  (void)google::protobuf::util::MessageToJsonString(entry, &json, options);
  return json;
}

void AccessLog::OnCallFinished(const CallRecord& record) {
  std::string line = AccessLogLine(record, absl::Now());
  line.push_back('\n');
  absl::MutexLock lock(&mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace gateway_proxy
