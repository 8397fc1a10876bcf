#include "proxy/core/route_table.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/api/http.pb.h"
#include "proxy/core/annotations.h"

namespace gateway_proxy {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;

bool IsHttpToken(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

// The rule's HTTP method and path template text.
absl::Status ReadPattern(const google::api::HttpRule& rule, Route* route, std::string* path) {
  const auto read = [&](absl::string_view method, const std::string& template_text) {
    route->http_method = std::string(method);
    *path = template_text;
    return absl::OkStatus();
  };
  using Pattern = google::api::HttpRule::PatternCase;
  switch (rule.pattern_case()) {
    case Pattern::kGet: return read("GET", rule.get());
    case Pattern::kPut: return read("PUT", rule.put());
    case Pattern::kPost: return read("POST", rule.post());
    case Pattern::kDelete: return read("DELETE", rule.delete_());
    case Pattern::kPatch: return read("PATCH", rule.patch());
    case Pattern::kCustom:
      if (!IsHttpToken(rule.custom().kind())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "custom HTTP method \"", rule.custom().kind(), "\" is not a valid token"));
      }
      return read(rule.custom().kind(), rule.custom().path());
    case Pattern::PATTERN_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError("the HTTP rule names no method and path");
}

// The request field each of the template's variables binds: scalars only.
absl::Status BindPathFields(const Descriptor& request, Route* route) {
  for (const PathTemplate::Variable& variable : route->path.variables()) {
    auto field_path = ResolveFieldPath(request, variable.field_path);
    if (!field_path.ok()) return field_path.status();
    const FieldDescriptor* leaf = field_path->back();
    if (leaf->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      return absl::InvalidArgumentError(absl::StrCat(
          "path variable {", variable.name,
          "} is a message; only scalar fields can be bound to the path"));
    }
    route->path_fields.push_back(*std::move(field_path));
  }
  return absl::OkStatus();
}

// The rule's body ("*", a field, or none) and response_body.
absl::Status BindBodies(const MethodDescriptor& method, const google::api::HttpRule& rule,
                        Route* route) {
  const Descriptor& request = *method.input_type();
  const std::string& body = rule.body();
  if (body == "*") {
    route->body_is_whole_message = true;
  } else if (!body.empty()) {
    route->body_field = request.FindFieldByName(body);
    if (route->body_field == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "body field \"", body, "\" is not a field of ", request.full_name()));
    }
    for (const FieldPath& bound : route->path_fields) {
      if (bound.front() == route->body_field) {
        return absl::InvalidArgumentError(absl::StrCat(
            "field \"", body, "\" is bound to both the path and the body"));
      }
    }
  }
  if (!body.empty() && route->http_method == "GET") {
    return absl::InvalidArgumentError("a GET rule cannot have a body");
  }
  route->not_in_query.insert(route->path_fields.begin(), route->path_fields.end());
  if (route->body_field != nullptr) {
    route->not_in_query.insert(FieldPath{route->body_field});
    const Descriptor* body_type = route->body_field->message_type();
    if (body_type != nullptr && !route->body_field->is_repeated() &&
        (route->http_method == "PATCH" || route->http_method == "PUT")) {
      const FieldDescriptor* name = body_type->FindFieldByName("name");
      if (name != nullptr && !name->is_repeated() &&
          name->type() == FieldDescriptor::TYPE_STRING) {
        route->resource_name_field = name;
      }
    }
  }
  if (!rule.response_body().empty()) {
    auto response_path = ResolveFieldPath(*method.output_type(), {rule.response_body()});
    if (!response_path.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("response_body: ", response_path.status().message()));
    }
    route->response_body = *std::move(response_path);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Route>> BuildRoute(
    const MethodDescriptor& method, const google::api::HttpRule& rule,
    google::protobuf::MessageFactory* factory) {
  auto route = std::make_unique<Route>();
  route->grpc_method =
      absl::StrCat("/", method.service()->full_name(), "/", method.name());
  route->method = &method;
  if (method.client_streaming() || method.server_streaming()) {
    return absl::InvalidArgumentError(
        "streaming methods cannot be transcoded to REST");
  }
  std::string path;
  if (absl::Status s = ReadPattern(rule, route.get(), &path); !s.ok()) return s;
  auto parsed = PathTemplate::Parse(path);
  if (!parsed.ok()) return parsed.status();
  route->path = *std::move(parsed);
  if (absl::Status s = BindPathFields(*method.input_type(), route.get()); !s.ok()) return s;
  if (absl::Status s = BindBodies(method, rule, route.get()); !s.ok()) return s;
  route->request_rules = FieldRules::Build(*method.input_type());
  route->request_prototype = factory->GetPrototype(method.input_type());
  route->response_prototype = factory->GetPrototype(method.output_type());
  if (route->request_prototype == nullptr ||
      route->response_prototype == nullptr) {
    return absl::InternalError("no message prototype for the method's types");
  }
  return route;
}

}  // namespace

absl::StatusOr<FieldPath> ResolveFieldPath(
    const Descriptor& message, const std::vector<std::string>& names) {
  FieldPath path;
  const Descriptor* current = &message;
  for (size_t i = 0; i < names.size(); ++i) {
    const FieldDescriptor* field =
        current == nullptr ? nullptr : current->FindFieldByName(names[i]);
    const std::string dotted =
        absl::StrJoin(names.begin(), names.begin() + i + 1, ".");
    if (field == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "field \"", dotted, "\" is not in ", message.full_name()));
    }
    if (field->is_repeated()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "field \"", dotted, "\" is repeated and cannot be bound"));
    }
    path.push_back(field);
    current = field->message_type();
  }
  return path;
}

absl::StatusOr<std::shared_ptr<const RouteTable>> RouteTable::Build(
    const google::protobuf::DescriptorPool& pool,
    google::protobuf::MessageFactory* factory,
    const std::vector<std::string>& services) {
  return Build(pool, {ServiceGroup{factory, services}});
}

absl::StatusOr<std::shared_ptr<const RouteTable>> RouteTable::Build(
    const google::protobuf::DescriptorPool& pool,
    const std::vector<ServiceGroup>& groups) {
  auto table = std::shared_ptr<RouteTable>(new RouteTable());
  std::vector<std::string> problems;
  absl::flat_hash_set<std::string> seen;
  for (const ServiceGroup& group : groups) {
    google::protobuf::MessageFactory* factory = group.factory;
    for (const std::string& service_name : group.services) {
      if (!seen.insert(service_name).second) continue;
      const google::protobuf::ServiceDescriptor* service =
          pool.FindServiceByName(service_name);
      if (service == nullptr) {
        return absl::NotFoundError(absl::StrCat(
            "service ", service_name, " is not in the descriptor pool"));
      }
      for (int i = 0; i < service->method_count(); ++i) {
        const MethodDescriptor& method = *service->method(i);
        const std::optional<google::api::HttpRule> rule = HttpRuleOf(method);
        if (!rule.has_value()) continue;
        auto route = BuildRoute(method, *rule, factory);
        if (!route.ok()) {
          problems.push_back(
              absl::StrCat(method.full_name(), ": ", route.status().message()));
          continue;
        }
        if (table->by_method_.contains((*route)->grpc_method)) continue;
        table->by_method_.emplace((*route)->grpc_method, route->get());
        table->routes_.push_back(*std::move(route));
      }
    }
  }
  if (!problems.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot serve ", problems.size(), " method(s):\n  ",
                     absl::StrJoin(problems, "\n  ")));
  }
  return std::shared_ptr<const RouteTable>(std::move(table));
}

std::vector<std::string> RouteTable::ServiceNames() const {
  std::vector<std::string> names;
  for (const auto& route : routes_) {
    const std::string& name = route->method->service()->full_name();
    if (std::find(names.begin(), names.end(), name) == names.end())
      names.push_back(name);
  }
  return names;
}

const Route* RouteTable::Find(absl::string_view grpc_method) const {
  auto it = by_method_.find(grpc_method);
  return it == by_method_.end() ? nullptr : it->second;
}

}  // namespace gateway_proxy
