// gateway-client: the Gateway client every example in examples/ implements,
// one scenario with the same output in each language.
//
// It calls gateway-proxy at $GATEWAY_TARGET (default 127.0.0.1:50051) with a
// 10 s deadline per call, `x-request-id: example-N` on the N-th call, and
// `authorization: Bearer $GATEWAY_API_KEY` when that variable is set
// (otherwise the proxy uses its own key). A failed call prints its code,
// message and every google.rpc detail (rpc_details.h).
//
// A C++ service calling the proxy in-process copies Caller::NewContext and
// rpc_details.{h,cc}: the stub, the per-call context and the error reading
// are all it needs.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "gateway/gateway.grpc.pb.h"
#include "rpc_details.h"

namespace gateway_example {
namespace {

constexpr std::chrono::seconds kDeadline(10);

// Makes calls with the deadline and metadata every call carries.
class Caller {
 public:
  Caller(std::shared_ptr<grpc::Channel> channel, std::string api_key)
      : stub_(gateway::Gateway::NewStub(channel)), api_key_(std::move(api_key)) {}

  void UpdateUser(const std::string& user_id, const gateway::User& user);
  void GetUser(const std::string& user_id);
  void ListUsers();

 private:
  // A context for the next call: its deadline, x-request-id and, with an API
  // key, authorization. A ClientContext serves one call only.
  std::unique_ptr<grpc::ClientContext> NewContext() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + kDeadline);
    context->AddMetadata("x-request-id", "example-" + std::to_string(++calls_));
    if (!api_key_.empty()) context->AddMetadata("authorization", "Bearer " + api_key_);
    return context;
  }

  std::unique_ptr<gateway::Gateway::Stub> stub_;
  std::string api_key_;
  int calls_ = 0;
};

void PrintError(const std::string& label, const grpc::Status& status) {
  std::cout << label << ": ";
  const char* separator = "";
  for (const std::string& line : DescribeStatus(status)) {
    std::cout << separator << line;
    separator = "\n";
  }
  std::cout << "\n";
}

void PrintUser(const gateway::User& user) {
  std::cout << "  " << user.name() << " role=" << user.role()
            << " display_name=" << user.display_name() << "\n";
}

void Caller::UpdateUser(const std::string& user_id, const gateway::User& user) {
  gateway::UpdateUserRequest request;
  request.set_account_id("acme");
  request.set_user_id(user_id);
  *request.mutable_user() = user;
  gateway::User reply;
  const std::string label = "UpdateUser acme/" + user_id;
  grpc::Status status = stub_->UpdateUser(NewContext().get(), request, &reply);
  if (!status.ok()) return PrintError(label, status);
  std::cout << label << ": OK\n";
  PrintUser(reply);
}

void Caller::GetUser(const std::string& user_id) {
  gateway::GetUserRequest request;
  request.set_account_id("acme");
  request.set_user_id(user_id);
  for (const char* path : {"name", "role", "display_name"}) {
    request.mutable_read_mask()->add_paths(path);
  }
  gateway::User reply;
  const std::string label = "GetUser acme/" + user_id;
  grpc::Status status = stub_->GetUser(NewContext().get(), request, &reply);
  if (!status.ok()) return PrintError(label, status);
  std::cout << label << ": OK\n";
  PrintUser(reply);
}

// Prints every page, following next_page_token.
void Caller::ListUsers() {
  gateway::ListUsersRequest request;
  request.set_account_id("acme");
  request.set_page_size(1);
  for (int page = 1;; ++page) {
    const std::string label = "ListUsers acme page " + std::to_string(page);
    gateway::ListUsersResponse reply;
    grpc::Status status = stub_->ListUsers(NewContext().get(), request, &reply);
    if (!status.ok()) return PrintError(label, status);
    std::cout << label << ": OK, total_size " << reply.total_size() << "\n";
    for (const gateway::User& user : reply.users()) PrintUser(user);
    if (reply.next_page_token().empty()) return;
    request.set_page_token(reply.next_page_token());
  }
}

gateway::User MakeUser(const char* role, const char* display_name,
                       const char* permission_preset = nullptr) {
  gateway::User user;
  if (role != nullptr) user.set_role(role);
  if (display_name != nullptr) user.set_display_name(display_name);
  if (permission_preset != nullptr) user.set_permission_preset(permission_preset);
  return user;
}

std::string Env(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

}  // namespace
}  // namespace gateway_example

int main() {
  using gateway_example::MakeUser;
  const std::string target = gateway_example::Env("GATEWAY_TARGET", "127.0.0.1:50051");
  gateway_example::Caller caller(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()),
      gateway_example::Env("GATEWAY_API_KEY", ""));
  caller.UpdateUser("alice", MakeUser("admin", "Alice Liddell"));
  caller.UpdateUser("alice", MakeUser(nullptr, "Alice"));  // no role
  caller.UpdateUser("zed", MakeUser("user", nullptr));     // no such user
  caller.UpdateUser("bob", MakeUser("user", nullptr, "viewer"));
  caller.GetUser("alice");
  caller.ListUsers();
  return 0;
}
