// --descriptor_set end to end: a service compiled into nothing but a
// FileDescriptorSet is served through the same engine and port, and gRPC's
// reflection describes it; rules that cannot be served fail start-up.
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gateway/gateway.grpc.pb.h"
#include "gateway/gateway.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "proxy/app/server.h"
#include "support/fake_upstream.h"

namespace gateway_proxy {
namespace {

using ::gateway_proxy::testing::CannedResponse;
using ::gateway_proxy::testing::FakeUpstream;
using ::gateway_proxy::testing::RecordedRequest;
using ::google::protobuf::Message;
using ::testing::Contains;
using ::testing::HasSubstr;

std::string SetPath(const std::string& name) {
  return absl::StrCat(TEST_DESCRIPTOR_SET_DIR, "/", name, ".pb");
}

// The client's view: the library types from the same descriptor set, in a
// pool of their own.
class LibraryTypes {
 public:
  LibraryTypes() {
    std::ifstream in(SetPath("library"), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    google::protobuf::FileDescriptorSet set;
    EXPECT_TRUE(set.ParseFromString(bytes.str()));
    for (const auto& file : set.file()) EXPECT_NE(pool_.BuildFile(file), nullptr);
  }

  std::unique_ptr<Message> New(const std::string& type, const std::string& text) {
    const auto* descriptor = pool_.FindMessageTypeByName("example.library.v1." + type);
    EXPECT_NE(descriptor, nullptr) << type;
    std::unique_ptr<Message> message(factory_.GetPrototype(descriptor)->New());
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, message.get()));
    return message;
  }

 private:
  google::protobuf::DescriptorPool pool_;
  google::protobuf::DynamicMessageFactory factory_{&pool_};
};

grpc::ByteBuffer Bytes(const Message& message) {
  grpc::Slice slice(message.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

std::string Text(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

class DescriptorSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Config config;
    config.listen = "127.0.0.1:0";
    config.upstream = upstream_.base_url();
    config.descriptor_set = SetPath("library");
    auto proxy = ProxyServer::Start(config);
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = *std::move(proxy);
    channel_ = grpc::CreateChannel(proxy_->address(), grpc::InsecureChannelCredentials());
  }

  // Calls `method` of the Library with `request`; fills `reply` on success.
  grpc::Status Call(const std::string& method, const Message& request, Message* reply) {
    grpc::GenericStub stub(channel_);
    grpc::ClientContext context;
    context.AddMetadata("x-api-key", "test-key-1");
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    grpc::ByteBuffer in = Bytes(request), out;
    absl::Notification done;
    grpc::Status status;
    stub.UnaryCall(&context, "/example.library.v1.Library/" + method, grpc::StubOptions(),
                   &in, &out, [&](grpc::Status s) {
                     status = std::move(s);
                     done.Notify();
                   });
    EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    if (status.ok() && reply != nullptr) {
      EXPECT_TRUE(reply->ParseFromString(Text(out)));
    }
    return status;
  }

  void Answer(std::string body) {
    upstream_.SetHandler([body](const RecordedRequest&) {
      return CannedResponse{200, "application/json", body, {}};
    });
  }

  FakeUpstream upstream_;
  std::unique_ptr<ProxyServer> proxy_;
  std::shared_ptr<grpc::Channel> channel_;
  LibraryTypes types_;
};

TEST_F(DescriptorSetTest, MultiSegmentPathVariableIsExpandedAndTheReplyParsed) {
  Answer(R"({"name":"shelves/s1/books/b 1","title":"Dune","genre":"FICTION","pages":"412"})");
  auto reply = types_.New("Book", "");
  grpc::Status status =
      Call("GetBook", *types_.New("GetBookRequest", R"(name: "shelves/s1/books/b 1")"),
           reply.get());
  ASSERT_TRUE(status.ok()) << status.error_message();
  const RecordedRequest sent = upstream_.requests().at(0);
  EXPECT_EQ(sent.method, "GET");
  EXPECT_EQ(sent.target, "/v1/shelves/s1/books/b%201");
  EXPECT_EQ(sent.body, "");
  EXPECT_EQ(reply->ShortDebugString(),
            R"(name: "shelves/s1/books/b 1" title: "Dune" genre: FICTION pages: 412)");
}

TEST_F(DescriptorSetTest, ValueNotMatchingThePatternIsInvalidArgumentAndNothingIsSent) {
  grpc::Status status = Call(
      "GetBook", *types_.New("GetBookRequest", R"(name: "shelves/s1/magazines/m1")"), nullptr);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "field name (\"shelves/s1/magazines/m1\") does not match the pattern "
            "shelves/*/books/*");
  EXPECT_TRUE(upstream_.requests().empty());
}

TEST_F(DescriptorSetTest, QueryCarriesRepeatedEnumsAndTimestampsInTheirJsonForms) {
  Answer(R"({"books":[{"name":"shelves/s1/books/b1","title":"Dune"}],"nextPageToken":"t2"})");
  auto reply = types_.New("ListBooksResponse", "");
  grpc::Status status = Call(
      "ListBooks",
      *types_.New("ListBooksRequest",
                  R"(parent: "shelves/s1" page_size: 2 genres: [FICTION, HISTORY]
                     published_after { seconds: 1767323045 })"),
      reply.get());
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(upstream_.requests().at(0).target,
            "/v1/shelves/s1/books?pageSize=2&genres=FICTION&genres=HISTORY"
            "&publishedAfter=2026-01-02T03%3A04%3A05Z");
  EXPECT_EQ(reply->ShortDebugString(),
            R"(books { name: "shelves/s1/books/b1" title: "Dune" } next_page_token: "t2")");
}

TEST_F(DescriptorSetTest, BodyFieldGoesAsJsonAndOtherFieldsAsQuery) {
  Answer(R"({"name":"shelves/s1/books/dune","title":"Dune"})");
  grpc::Status status =
      Call("CreateBook",
           *types_.New("CreateBookRequest", R"(parent: "shelves/s1" book_id: "dune"
                       book { title: "Dune" pages: 412 create_time { seconds: 5 } })"),
           nullptr);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const RecordedRequest sent = upstream_.requests().at(0);
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.target, "/v1/shelves/s1/books?bookId=dune");
  EXPECT_EQ(sent.body, R"({"title":"Dune","pages":"412"})");
}

TEST_F(DescriptorSetTest, RequiredFieldOfADescriptorSetTypeIsEnforced) {
  grpc::Status status = Call(
      "CreateBook", *types_.New("CreateBookRequest", R"(parent: "shelves/s1" book { pages: 1 })"),
      nullptr);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "missing required field: book.title");
  EXPECT_TRUE(upstream_.requests().empty());
}

TEST_F(DescriptorSetTest, CustomVerbWithWholeMessageBody) {
  Answer(R"({"name":"shelves/s2/books/b1","title":"Dune"})");
  grpc::Status status = Call(
      "MoveBook",
      *types_.New("MoveBookRequest", R"(name: "shelves/s1/books/b1" other_shelf: "shelves/s2")"),
      nullptr);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const RecordedRequest sent = upstream_.requests().at(0);
  EXPECT_EQ(sent.method, "OPTIONS");
  EXPECT_EQ(sent.target, "/v1/shelves/s1/books/b1:move");
  // The test server does not read OPTIONS bodies; the request's own headers
  // show the body ({"otherShelf":"shelves/s2"}, the message less the path
  // field) went out. request_transcoder_test checks its bytes.
  EXPECT_EQ(sent.Header("Content-Type"), "application/json");
  EXPECT_EQ(sent.Header("Content-Length"),
            std::to_string(std::string(R"({"otherShelf":"shelves/s2"})").size()));
}

TEST_F(DescriptorSetTest, ResponseBodyFillsTheNamedReplyField) {
  Answer(R"({"name":"shelves/s1/books/b1","title":"Dune"})");
  auto reply = types_.New("DeleteBookResponse", "");
  grpc::Status status = Call(
      "DeleteBook", *types_.New("DeleteBookRequest", R"(name: "shelves/s1/books/b1")"),
      reply.get());
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(upstream_.requests().at(0).method, "DELETE");
  EXPECT_EQ(reply->ShortDebugString(), R"(book { name: "shelves/s1/books/b1" title: "Dune" })");
}

TEST_F(DescriptorSetTest, UnknownEnumNumberIsInvalidArgumentAndNothingIsSent) {
  grpc::Status status = Call(
      "ListBooks", *types_.New("ListBooksRequest", R"(parent: "shelves/s1" genres: [1, 7])"),
      nullptr);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "unknown enum value in genres (7)");
  EXPECT_TRUE(upstream_.requests().empty());
}

TEST_F(DescriptorSetTest, MethodWithoutARuleIsUnimplemented) {
  grpc::Status status =
      Call("Ping", *types_.New("GetBookRequest", R"(name: "shelves/s1/books/b1")"), nullptr);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(status.error_message(),
            "method /example.library.v1.Library/Ping is not served by gateway-proxy");
  EXPECT_TRUE(upstream_.requests().empty());
}

// Sends one ServerReflectionRequest (text format) and returns the response
// as a message of the generated pool's reflection types.
std::unique_ptr<Message> Reflect(const std::shared_ptr<grpc::Channel>& channel,
                                 const std::string& request_text) {
  const auto& pool = *google::protobuf::DescriptorPool::generated_pool();
  static auto* factory = new google::protobuf::DynamicMessageFactory(&pool);
  const auto* request_type =
      pool.FindMessageTypeByName("grpc.reflection.v1alpha.ServerReflectionRequest");
  const auto* response_type =
      pool.FindMessageTypeByName("grpc.reflection.v1alpha.ServerReflectionResponse");
  EXPECT_NE(request_type, nullptr);
  EXPECT_NE(response_type, nullptr);
  std::unique_ptr<Message> request(factory->GetPrototype(request_type)->New());
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(request_text, request.get()));
  std::unique_ptr<Message> response(factory->GetPrototype(response_type)->New());

  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  auto call = stub.PrepareCall(
      &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  void* tag;
  bool ok;
  auto step = [&](intptr_t id) {
    EXPECT_TRUE(cq.Next(&tag, &ok));
    EXPECT_EQ(reinterpret_cast<intptr_t>(tag), id);
    return ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  EXPECT_TRUE(step(1));
  grpc::ByteBuffer out = Bytes(*request);
  call->WriteLast(out, grpc::WriteOptions(), reinterpret_cast<void*>(2));
  EXPECT_TRUE(step(2));
  grpc::ByteBuffer in;
  call->Read(&in, reinterpret_cast<void*>(3));
  EXPECT_TRUE(step(3));
  EXPECT_TRUE(response->ParseFromString(Text(in)));
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(4));
  step(4);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response;
}

TEST_F(DescriptorSetTest, ReflectionListsCompiledInAndDescriptorSetServices) {
  auto response = Reflect(channel_, R"(list_services: "*")");
  std::vector<std::string> names;
  const auto* list = response->GetDescriptor()->FindFieldByName("list_services_response");
  const Message& services = response->GetReflection()->GetMessage(*response, list);
  const auto* service_field = services.GetDescriptor()->FindFieldByName("service");
  for (int i = 0; i < services.GetReflection()->FieldSize(services, service_field); ++i) {
    const Message& s = services.GetReflection()->GetRepeatedMessage(services, service_field, i);
    names.push_back(s.GetReflection()->GetString(s, s.GetDescriptor()->FindFieldByName("name")));
  }
  EXPECT_THAT(names, Contains("gateway.Gateway"));
  EXPECT_THAT(names, Contains("example.library.v1.Library"));
}

TEST_F(DescriptorSetTest, ReflectionDescribesADescriptorSetService) {
  auto response =
      Reflect(channel_, R"(file_containing_symbol: "example.library.v1.Library")");
  const auto* field = response->GetDescriptor()->FindFieldByName("file_descriptor_response");
  ASSERT_TRUE(response->GetReflection()->HasField(*response, field))
      << response->ShortDebugString().substr(0, 300);
  const Message& files = response->GetReflection()->GetMessage(*response, field);
  const auto* bytes_field = files.GetDescriptor()->FindFieldByName("file_descriptor_proto");
  ASSERT_GE(files.GetReflection()->FieldSize(files, bytes_field), 1);
  google::protobuf::FileDescriptorProto file;
  ASSERT_TRUE(file.ParseFromString(
      files.GetReflection()->GetRepeatedString(files, bytes_field, 0)));
  EXPECT_EQ(file.name(), "library.proto");
  ASSERT_EQ(file.service_size(), 1);
  EXPECT_EQ(file.service(0).method_size(), 6);
}

TEST(DescriptorSetStartupTest, RulesThatCannotBeServedFailStartupNamingEachMethod) {
  Config config;
  config.listen = "127.0.0.1:0";
  config.upstream = "http://127.0.0.1:9";
  config.descriptor_set = SetPath("bad_rules");
  auto proxy = ProxyServer::Start(config);
  ASSERT_FALSE(proxy.ok());
  EXPECT_EQ(proxy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(proxy.status().message(),
            "--descriptor_set: cannot serve 2 method(s):\n"
            "  example.bad.v1.Broken.UnknownPathField: field \"missing\" is not in "
            "example.bad.v1.Thing\n"
            "  example.bad.v1.Broken.UnknownBodyField: body field \"nope\" is not a field of "
            "example.bad.v1.Thing");
}

TEST(DescriptorSetStartupTest, AFileThatIsNotADescriptorSetIsRefused) {
  const std::string path = ::testing::TempDir() + "/not_a_set.pb";
  std::ofstream(path) << "this is not a descriptor set";
  Config config;
  config.listen = "127.0.0.1:0";
  config.upstream = "http://127.0.0.1:9";
  config.descriptor_set = path;
  auto proxy = ProxyServer::Start(config);
  ASSERT_FALSE(proxy.ok());
  EXPECT_EQ(proxy.status().message(),
            absl::StrCat("--descriptor_set: ", path,
                         " is not a FileDescriptorSet (make one with protoc "
                         "--include_imports --descriptor_set_out=FILE)"));
}

// --service_upstream: the Library's calls go to an upstream of their own,
// the Gateway's still to --upstream.
class ServiceUpstreamTest : public DescriptorSetTest {
 protected:
  void SetUp() override {
    Config config;
    config.listen = "127.0.0.1:0";
    config.upstream = upstream_.base_url();
    config.descriptor_set = SetPath("library");
    config.service_upstreams = {"example.library.v1.Library=" + library_upstream_.base_url()};
    auto proxy = ProxyServer::Start(config);
    ASSERT_TRUE(proxy.ok()) << proxy.status();
    proxy_ = *std::move(proxy);
    channel_ = grpc::CreateChannel(proxy_->address(), grpc::InsecureChannelCredentials());
  }

  // The proxy goes first, closing its connections to library_upstream_,
  // which would otherwise wait for them to time out.
  void TearDown() override { proxy_.reset(); }

  FakeUpstream library_upstream_;
};

TEST_F(ServiceUpstreamTest, EachServiceIsSentToItsOwnUpstream) {
  Answer(R"({"name":"accounts/acme/users/alice","role":"admin"})");
  library_upstream_.SetHandler([](const RecordedRequest&) {
    return CannedResponse{200, "application/json", R"({"name":"shelves/s1/books/b1"})", {}};
  });

  auto book = types_.New("Book", "");
  grpc::Status status =
      Call("GetBook", *types_.New("GetBookRequest", R"(name: "shelves/s1/books/b1")"),
           book.get());
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(book->ShortDebugString(), R"(name: "shelves/s1/books/b1")");

  auto stub = gateway::Gateway::NewStub(channel_);
  grpc::ClientContext context;
  context.AddMetadata("x-api-key", "test-key-1");
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  gateway::GetUserRequest request;
  request.set_account_id("acme");
  request.set_user_id("alice");
  gateway::User user;
  status = stub->GetUser(&context, request, &user);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(user.role(), "admin");

  ASSERT_EQ(library_upstream_.requests().size(), 1u);
  EXPECT_EQ(library_upstream_.requests().at(0).target, "/v1/shelves/s1/books/b1");
  ASSERT_EQ(upstream_.requests().size(), 1u);
  EXPECT_EQ(upstream_.requests().at(0).target, "/v1/accounts/acme/users/alice");
}

TEST(ServiceUpstreamStartupTest, AServiceThatIsNotServedFailsStartupNamingIt) {
  Config config;
  config.listen = "127.0.0.1:0";
  config.upstream = "http://127.0.0.1:9";
  config.service_upstreams = {"example.library.v1.Library=http://127.0.0.1:9"};
  auto proxy = ProxyServer::Start(config);
  ASSERT_FALSE(proxy.ok());
  EXPECT_EQ(proxy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(proxy.status().message(),
            "--service_upstream: \"example.library.v1.Library\" is not served (a service of "
            "--descriptor_set with google.api.http rules)");
}

}  // namespace
}  // namespace gateway_proxy
