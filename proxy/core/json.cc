#include "proxy/core/json.h"

#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/type.pb.h"
#include "google/protobuf/util/type_resolver.h"
#include "google/protobuf/util/type_resolver_util.h"
#include "proxy/core/json_codec.h"

namespace gateway_proxy {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::util::TypeResolver;

// Resolves through protobuf's resolver for `pool` the first time, then from
// its cache. Types never change once a pool holds them.
class CachingTypeResolver final : public TypeResolver {
 public:
  explicit CachingTypeResolver(const DescriptorPool* pool)
      : base_(google::protobuf::util::NewTypeResolverForDescriptorPool(
            std::string(kTypeUrlPrefix), pool)) {}

  google::protobuf::util::Status ResolveMessageType(
      const std::string& type_url, google::protobuf::Type* type) override {
    return Resolve(type_url, type, types_, &TypeResolver::ResolveMessageType);
  }
  google::protobuf::util::Status ResolveEnumType(const std::string& type_url,
                                                 google::protobuf::Enum* type) override {
    return Resolve(type_url, type, enums_, &TypeResolver::ResolveEnumType);
  }

 private:
  template <typename T>
  google::protobuf::util::Status Resolve(
      const std::string& type_url, T* out, absl::flat_hash_map<std::string, T>& cache,
      google::protobuf::util::Status (TypeResolver::*resolve)(const std::string&, T*)) {
    {
      absl::ReaderMutexLock lock(&mu_);
      if (auto it = cache.find(type_url); it != cache.end()) {
        *out = it->second;
        return google::protobuf::util::Status();
      }
    }
    google::protobuf::util::Status status = (base_.get()->*resolve)(type_url, out);
    if (status.ok()) {
      absl::MutexLock lock(&mu_);
      cache.try_emplace(type_url, *out);
    }
    return status;
  }

  const std::unique_ptr<TypeResolver> base_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, google::protobuf::Type> types_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, google::protobuf::Enum> enums_ ABSL_GUARDED_BY(mu_);
};

// One resolver per descriptor pool. The generated pool's (every compiled-in
// and descriptor-set type) is reached without a lock.
TypeResolver* ResolverFor(const DescriptorPool* pool) {
  static CachingTypeResolver* const generated =
      new CachingTypeResolver(DescriptorPool::generated_pool());
  if (pool == DescriptorPool::generated_pool()) return generated;
  static absl::Mutex mu(absl::kConstInit);
  static auto* resolvers =
      new absl::flat_hash_map<const DescriptorPool*, std::unique_ptr<CachingTypeResolver>>();
  absl::MutexLock lock(&mu);
  std::unique_ptr<CachingTypeResolver>& resolver = (*resolvers)[pool];
  if (resolver == nullptr) resolver = std::make_unique<CachingTypeResolver>(pool);
  return resolver.get();
}

std::string TypeUrl(const google::protobuf::Message& message) {
  return absl::StrCat(kTypeUrlPrefix, "/", message.GetDescriptor()->full_name());
}

// Whether the options are the defaults, the only ones the codec writes.
bool DefaultPrintOptions(const google::protobuf::util::JsonPrintOptions& options) {
  return !options.add_whitespace && !options.always_print_primitive_fields &&
         !options.always_print_enums_as_ints && !options.preserve_proto_field_names;
}

}  // namespace

TypeResolver* CachedTypeResolver(const DescriptorPool& pool) { return ResolverFor(&pool); }

google::protobuf::util::Status PrintJson(
    const google::protobuf::Message& message, std::string* json,
    const google::protobuf::util::JsonPrintOptions& options) {
  if (DefaultPrintOptions(options) && TryPrintJsonFast(message, json)) {
    return google::protobuf::util::Status();
  }
  json->clear();
  return google::protobuf::util::BinaryToJsonString(
      ResolverFor(message.GetDescriptor()->file()->pool()), TypeUrl(message),
      message.SerializeAsString(), json, options);
}

google::protobuf::util::Status ParseJson(
    absl::string_view json, google::protobuf::Message* message,
    const google::protobuf::util::JsonParseOptions& options) {
  if (!options.case_insensitive_enum_parsing &&
      TryParseJsonFast(json, message, options.ignore_unknown_fields)) {
    return google::protobuf::util::Status();
  }
  std::string binary;
  google::protobuf::util::Status status = google::protobuf::util::JsonToBinaryString(
      ResolverFor(message->GetDescriptor()->file()->pool()), TypeUrl(*message),
      google::protobuf::StringPiece(json.data(), json.size()), &binary, options);
  if (!status.ok()) return status;
  if (!message->ParseFromString(binary)) {
    return google::protobuf::util::InvalidArgumentError(
        "JSON transcoder produced invalid protobuf output.");
  }
  return google::protobuf::util::Status();
}

}  // namespace gateway_proxy
