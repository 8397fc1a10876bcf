#include "rpc_details.h"

#include <cstdio>
#include <map>

#include "google/rpc/code.pb.h"
#include "google/rpc/error_details.pb.h"

namespace gateway_example {
namespace {

// "7s", or "1.5s" with the fraction's trailing zeros dropped.
std::string Seconds(const google::protobuf::Duration& d) {
  std::string text = std::to_string(d.seconds());
  if (d.nanos() != 0) {
    char fraction[11];
    std::snprintf(fraction, sizeof fraction, ".%09d", d.nanos());
    std::string f = fraction;
    f.erase(f.find_last_not_of('0') + 1);
    text += f;
  }
  return text + "s";
}

std::vector<std::string> DescribeDetail(const google::protobuf::Any& any) {
  if (google::rpc::BadRequest d; any.UnpackTo(&d)) {
    std::vector<std::string> lines = {"BadRequest:"};
    for (const auto& v : d.field_violations()) {
      lines.push_back("  field " + v.field() + ": " + v.description());
    }
    return lines;
  }
  if (google::rpc::ErrorInfo d; any.UnpackTo(&d)) {
    std::vector<std::string> lines = {"ErrorInfo: reason=" + d.reason() +
                                      " domain=" + d.domain()};
    // protobuf's Map has no order; print the entries sorted by key.
    std::map<std::string, std::string> sorted(d.metadata().begin(),
                                              d.metadata().end());
    for (const auto& [key, value] : sorted) lines.push_back("  " + key + "=" + value);
    return lines;
  }
  if (google::rpc::PreconditionFailure d; any.UnpackTo(&d)) {
    std::vector<std::string> lines = {"PreconditionFailure:"};
    for (const auto& v : d.violations()) {
      lines.push_back("  " + v.type() + " " + v.subject() + ": " + v.description());
    }
    return lines;
  }
  if (google::rpc::RetryInfo d; any.UnpackTo(&d)) {
    return {"RetryInfo: retry after " + Seconds(d.retry_delay())};
  }
  return {any.type_url() + " (" + std::to_string(any.value().size()) + " bytes)"};
}

}  // namespace

std::optional<google::rpc::Status> RpcStatus(const grpc::Status& status) {
  google::rpc::Status rpc_status;
  if (status.error_details().empty() ||
      !rpc_status.ParseFromString(status.error_details())) {
    return std::nullopt;
  }
  return rpc_status;
}

std::vector<std::string> DescribeStatus(const grpc::Status& status) {
  std::vector<std::string> lines = {
      google::rpc::Code_Name(static_cast<google::rpc::Code>(status.error_code())) +
      ": " + status.error_message()};
  if (std::optional<google::rpc::Status> rpc_status = RpcStatus(status)) {
    for (const google::protobuf::Any& any : rpc_status->details()) {
      for (const std::string& line : DescribeDetail(any)) lines.push_back("  " + line);
    }
  }
  return lines;
}

}  // namespace gateway_example
