#include "proxy/app/descriptor_set.h"

#include <deque>
#include <fstream>
#include <sstream>

#include "absl/base/const_init.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/descriptor_database.h"

namespace gateway_proxy {
namespace {

using google::protobuf::DescriptorPool;

class ErrorCollector final : public DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string& filename, const std::string& element_name,
                const google::protobuf::Message* /*descriptor*/, ErrorLocation /*location*/,
                const std::string& message) override {
    errors_.push_back(absl::StrCat(filename, ": ", element_name.empty() ? "" : element_name + ": ",
                                   message));
  }
  std::string Text() const { return absl::StrJoin(errors_, "; "); }

 private:
  std::vector<std::string> errors_;
};

// Serialized files handed to the generated pool, which keeps pointers into
// them for the life of the process.
absl::Mutex registry_mu(absl::kConstInit);
std::deque<std::string>& Registered() {
  static auto* files = new std::deque<std::string>();
  return *files;
}

absl::StatusOr<google::protobuf::FileDescriptorSet> ReadSet(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream bytes;
  bytes << in.rdbuf();
  google::protobuf::FileDescriptorSet set;
  if (!set.ParseFromString(bytes.str()) || set.file_size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, " is not a FileDescriptorSet (make one with protoc --include_imports "
              "--descriptor_set_out=FILE)"));
  }
  return set;
}

// The set's files that are not compiled in, added to `added`; an error when
// one redefines a compiled-in symbol or another file of the set.
absl::StatusOr<std::vector<const google::protobuf::FileDescriptorProto*>> NewFiles(
    const std::string& path, const google::protobuf::FileDescriptorSet& set,
    google::protobuf::DescriptorDatabase& generated,
    google::protobuf::SimpleDescriptorDatabase* added) {
  google::protobuf::FileDescriptorProto found;
  std::vector<const google::protobuf::FileDescriptorProto*> new_files;
  for (const auto& file : set.file()) {
    if (generated.FindFileByName(file.name(), &found)) continue;
    const std::string prefix = file.package().empty() ? "" : file.package() + ".";
    std::vector<std::string> symbols;
    for (const auto& m : file.message_type()) symbols.push_back(prefix + m.name());
    for (const auto& e : file.enum_type()) symbols.push_back(prefix + e.name());
    for (const auto& x : file.service()) symbols.push_back(prefix + x.name());
    for (const auto& x : file.extension()) symbols.push_back(prefix + x.name());
    for (const std::string& symbol : symbols) {
      if (generated.FindFileContainingSymbol(symbol, &found)) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": ", file.name(), " defines ", symbol,
                         ", which ", found.name(), " compiled into gateway-proxy defines"));
      }
    }
    if (!added->Add(file)) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": ", file.name(), " is listed twice or redefines a symbol of the set"));
    }
    new_files.push_back(&file);
  }
  return new_files;
}

// Builds every new file on a scratch pool over both databases: a missing
// import or a broken reference surfaces here, with a message, rather than
// as a failed lookup later.
absl::Status CheckBuildable(const std::string& path,
                            const std::vector<const google::protobuf::FileDescriptorProto*>& files,
                            google::protobuf::DescriptorDatabase& generated,
                            google::protobuf::SimpleDescriptorDatabase& added) {
  ErrorCollector errors;
  google::protobuf::MergedDescriptorDatabase both(&generated, &added);
  DescriptorPool scratch(&both, &errors);
  for (const auto* file : files) {
    if (scratch.FindFileByName(file->name()) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": ", file->name(), " cannot be built: ",
          errors.Text().empty() ? "an import is missing (use protoc --include_imports)"
                                : errors.Text()));
    }
  }
  return absl::OkStatus();
}

// The full names of the set's services.
std::vector<std::string> ServiceNames(const google::protobuf::FileDescriptorSet& set) {
  std::vector<std::string> services;
  for (const auto& file : set.file()) {
    for (const auto& service : file.service()) {
      services.push_back(file.package().empty()
                             ? service.name()
                             : absl::StrCat(file.package(), ".", service.name()));
    }
  }
  return services;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> LoadDescriptorSet(const std::string& path) {
  auto set = ReadSet(path);
  if (!set.ok()) return set.status();
  absl::MutexLock lock(&registry_mu);
  // Only the database is consulted here, never the generated pool itself:
  // the pool remembers names it failed to find, and these are about to
  // exist.
  google::protobuf::DescriptorDatabase& generated =
      *DescriptorPool::internal_generated_database();
  google::protobuf::SimpleDescriptorDatabase added;
  auto new_files = NewFiles(path, *set, generated, &added);
  if (!new_files.ok()) return new_files.status();
  if (absl::Status s = CheckBuildable(path, *new_files, generated, added); !s.ok()) return s;
  for (const auto* file : *new_files) {
    Registered().push_back(file->SerializeAsString());
    const std::string& stored = Registered().back();
    DescriptorPool::InternalAddGeneratedFile(stored.data(), static_cast<int>(stored.size()));
  }
  return ServiceNames(*set);
}

}  // namespace gateway_proxy
