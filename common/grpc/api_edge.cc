#include "common/grpc/api_edge.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <set>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/grpc/request_validation.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/field_mask_util.h"

namespace parley::api {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr size_t kMaxIdLength = 64;
constexpr size_t kMaxQuoted = 100;
// Page tokens: base64url of "p1|{list}|{filters}|{position}". The version prefix lets the format
// change without misreading old tokens.
constexpr char kTokenVersion[] = "p1";

// Deterministic bytes of `message` without the named fields.
std::string SerializedWithout(const Message& message, std::initializer_list<absl::string_view> cleared) {
  std::unique_ptr<Message> copy(message.New());
  copy->CopyFrom(message);
  for (absl::string_view name : cleared) {
    const FieldDescriptor* field = copy->GetDescriptor()->FindFieldByName(std::string(name));
    if (field != nullptr) copy->GetReflection()->ClearField(copy.get(), field);
  }
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream out(&bytes);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    copy->SerializeToCodedStream(&coded);
  }
  return bytes;
}

// What a page token is bound to: the list (the request type) and its filters, 16 hex digits.
std::string ListBinding(const Message& list_request) {
  return request::Fingerprint(absl::StrCat(list_request.GetDescriptor()->full_name(), "\n",
                                           SerializedWithout(list_request, {"page_size", "page_token"})))
      .substr(0, 16);
}

int32_t IntField(const Message& message, absl::string_view name) {
  const FieldDescriptor* field = message.GetDescriptor()->FindFieldByName(std::string(name));
  if (field == nullptr || field->cpp_type() != FieldDescriptor::CPPTYPE_INT32) return 0;
  return message.GetReflection()->GetInt32(message, field);
}

std::string StringField(const Message& message, absl::string_view name) {
  const FieldDescriptor* field = message.GetDescriptor()->FindFieldByName(std::string(name));
  if (field == nullptr || field->cpp_type() != FieldDescriptor::CPPTYPE_STRING || field->is_repeated()) return "";
  return message.GetReflection()->GetString(message, field);
}

absl::Status BadToken() {
  return InvalidArgument(reason::kInvalidPageToken,
                         "page_token is not one this list issued for these filters: start again without it");
}

}  // namespace

Edge::Edge(const auth::Verifier* verifier, const google::protobuf::ServiceDescriptor& service, auth::RuleTable rules)
    : verifier_(verifier) {
  const absl::Status covered = CheckRules(service, rules);
  if (!covered.ok()) {
    std::cerr << "parley: the access rules of " << service.full_name() << " are incomplete: " << covered.message()
              << "\n";
    std::abort();
  }
  for (int i = 0; i < service.method_count(); ++i) {
    const google::protobuf::MethodDescriptor* method = service.method(i);
    rule_by_request_type_.emplace(method->input_type()->full_name(), rules.at(method->name()));
  }
}

absl::Status Edge::CheckRules(const google::protobuf::ServiceDescriptor& service, const auth::RuleTable& rules) {
  std::set<std::string> request_types;
  for (int i = 0; i < service.method_count(); ++i) {
    const google::protobuf::MethodDescriptor* method = service.method(i);
    if (rules.count(method->name()) == 0) {
      return Internal(reason::kInternal, absl::StrCat("method ", method->name(), " has no access rule"));
    }
    if (!request_types.insert(method->input_type()->full_name()).second) {
      return Internal(reason::kInternal, absl::StrCat("method ", method->name(), " shares its request type ",
                                                      method->input_type()->full_name(), " with another method"));
    }
  }
  for (const auto& [name, rule] : rules) {
    if (service.FindMethodByName(name) == nullptr) {
      return Internal(reason::kInternal, absl::StrCat("the rule for ", name, " names no method of the service"));
    }
  }
  return absl::OkStatus();
}

const google::protobuf::ServiceDescriptor& Edge::ServiceNamed(absl::string_view full_name) {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(std::string(full_name));
  if (service == nullptr) {
    std::cerr << "parley: no generated service named " << full_name << "\n";
    std::abort();
  }
  return *service;
}

const auth::Rule& Edge::RuleFor(const Message& request) const {
  return rule_by_request_type_.at(request.GetDescriptor()->full_name());
}

grpc::Status Edge::Serve(grpc::ServerContext* context, const Message& request, const Body& body) const {
  absl::StatusOr<auth::Principal> caller = verifier_->Authenticate(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status(), context);
  // After authentication, so a caller without a token learns nothing about what a request may hold.
  absl::Status valid = ValidateRequest(request);
  if (!valid.ok()) return ToGrpcStatus(valid, context);
  auto rule = rule_by_request_type_.find(request.GetDescriptor()->full_name());
  if (rule == rule_by_request_type_.end()) {
    return ToGrpcStatus(Internal(reason::kInternal, "this method has no access rule"), context);
  }
  const auth::Grant grant(*caller, rule->second);
  // Roles that reach this rule nowhere are refused before the request is looked at further.
  if (grant.Widest() == auth::Reach::kNone) {
    return ToGrpcStatus(PermissionDenied(reason::kRoleRequired, "the caller's role does not allow this operation"),
                        context);
  }
  return ToGrpcStatus(body(grant), context);
}

absl::StatusOr<RequestKey> RequestKeyFor(const auth::Principal& caller, absl::string_view service,
                                         absl::string_view method, const Message& request) {
  const std::string request_id = StringField(request, "request_id");
  PARLEY_RETURN_IF_ERROR(request::ValidateRequestId(request_id));
  return RequestKey{absl::StrCat(auth::Tenancy(caller), "/", service, ".", method), request_id,
                    request::Fingerprint(SerializedWithout(request, {"request_id"}))};
}

absl::Status DecodeResponse(const absl::StatusOr<std::string>& bytes, Message* out) {
  if (!bytes.ok()) return bytes.status();
  if (!out->ParseFromString(*bytes)) {
    return Internal(reason::kStoredResponseUnreadable, "a stored response could not be read");
  }
  return absl::OkStatus();
}

// ---- names -------------------------------------------------------------------------------------

bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_alnum(id.front())) return false;
  return std::all_of(id.begin(), id.end(), [&](char c) { return lower_alnum(c) || c == '-' || c == '_'; });
}

absl::Status ValidateId(absl::string_view id, absl::string_view field) {
  if (IsValidId(id)) return absl::OkStatus();
  return InvalidArgument(reason::kInvalidName,
                         absl::StrCat(field, " ", QuoteForError(id),
                                      " must be 1-64 lower-case letters, digits, '-' and '_', starting with a "
                                      "letter or digit"));
}

absl::StatusOr<std::vector<std::string>> ParseName(absl::string_view pattern, absl::string_view name,
                                                   absl::string_view field) {
  const std::vector<absl::string_view> want = absl::StrSplit(pattern, '/');
  const std::vector<absl::string_view> got = absl::StrSplit(name, '/');
  auto fail = [&](absl::string_view detail) {
    return InvalidArgument(reason::kInvalidName,
                           absl::StrCat(field, " must look like \"", pattern, "\", got ", QuoteForError(name), detail));
  };
  if (want.size() != got.size()) return fail("");
  std::vector<std::string> ids;
  for (size_t i = 0; i < want.size(); ++i) {
    if (!want[i].empty() && want[i].front() == '{') {
      if (!IsValidId(got[i])) {
        return fail(absl::StrCat("; the ", want[i].substr(1, want[i].size() - 2),
                                 " id must be 1-64 lower-case letters, digits, '-' and '_', starting with a letter "
                                 "or digit"));
      }
      ids.emplace_back(got[i]);
    } else if (want[i] != got[i]) {
      return fail("");
    }
  }
  return ids;
}

absl::StatusOr<std::string> ParseSchool(absl::string_view name, absl::string_view field) {
  PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> ids, ParseName("schools/{school}", name, field));
  return std::move(ids[0]);
}

absl::StatusOr<std::pair<std::string, std::string>> ParseSchoolChild(absl::string_view name,
                                                                     absl::string_view collection,
                                                                     absl::string_view field) {
  const std::string pattern = absl::StrCat("schools/{school}/", collection, "/{id}");
  PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> ids, ParseName(pattern, name, field));
  return std::make_pair(std::move(ids[0]), std::move(ids[1]));
}

absl::StatusOr<std::string> ParseGuardian(absl::string_view name, absl::string_view field) {
  PARLEY_ASSIGN_OR_RETURN(std::vector<std::string> ids, ParseName("guardians/{guardian}", name, field));
  return std::move(ids[0]);
}

absl::Status CheckGuardianName(absl::string_view name, absl::string_view field) {
  return ParseGuardian(name, field).status();
}

std::string QuoteForError(absl::string_view value) {
  bool cut = false;
  if (value.size() > kMaxQuoted) {
    size_t end = kMaxQuoted;
    // Back up to the start of a UTF-8 sequence so that no character is split.
    while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) --end;
    value = value.substr(0, end);
    cut = true;
  }
  return absl::StrCat("\"", absl::Utf8SafeCHexEscape(value), cut ? "...\"" : "\"");
}

// ---- pages -------------------------------------------------------------------------------------

absl::StatusOr<PageRequest> ParsePage(const Message& list_request, PageLimits limits) {
  PageRequest page;
  const int32_t size = IntField(list_request, "page_size");
  if (size < 0) return InvalidArgument(reason::kInvalidField, "page_size must not be negative");
  page.size = size == 0 ? limits.default_size : std::min<int>(size, limits.max_size);
  const std::string token = StringField(list_request, "page_token");
  if (token.empty()) return page;
  std::string decoded;
  if (!absl::WebSafeBase64Unescape(token, &decoded)) return BadToken();
  const std::vector<std::string> parts = absl::StrSplit(decoded, absl::MaxSplits('|', 2));
  if (parts.size() != 3 || parts[0] != kTokenVersion || parts[1] != ListBinding(list_request) || parts[2].empty()) {
    return BadToken();
  }
  page.after = parts[2];
  return page;
}

std::string NextPageToken(const Message& list_request, absl::string_view position) {
  if (position.empty()) return "";
  return absl::WebSafeBase64Escape(absl::StrCat(kTokenVersion, "|", ListBinding(list_request), "|", position));
}

absl::StatusOr<int64_t> SeqPosition(const PageRequest& page) {
  if (page.after.empty()) return 0;
  int64_t seq = 0;
  if (!absl::SimpleAtoi(page.after, &seq) || seq <= 0) return BadToken();
  return seq;
}

std::string SeqToPosition(int64_t seq) { return seq > 0 ? absl::StrCat(seq) : std::string(); }

// ---- update masks ------------------------------------------------------------------------------

absl::Status CheckUpdateMask(const google::protobuf::FieldMask& mask, const google::protobuf::Descriptor& resource,
                             const std::set<std::string>& updatable) {
  const std::string can = absl::StrJoin(updatable, ", ");
  if (mask.paths_size() == 0) {
    return InvalidArgument(reason::kUpdateMaskRequired,
                           absl::StrCat("update_mask is required: name the fields to change (", can, ")"));
  }
  for (const std::string& path : mask.paths()) {
    const std::string top = path.substr(0, path.find('.'));
    if (!google::protobuf::util::FieldMaskUtil::GetFieldDescriptors(&resource, path, nullptr)) {
      return InvalidArgument(reason::kInvalidUpdateMask,
                             absl::StrCat("update_mask: ", QuoteForError(path), " is not a field of ", resource.name(),
                                          " (", can, " can change)"));
    }
    if (updatable.count(top) == 0) {
      return InvalidArgument(reason::kInvalidUpdateMask,
                             absl::StrCat("update_mask: ", path, " cannot be changed (", can, " can)"));
    }
  }
  return absl::OkStatus();
}

bool Masked(const google::protobuf::FieldMask& mask, absl::string_view field) {
  for (const std::string& path : mask.paths()) {
    if (path == field || absl::StartsWith(path, absl::StrCat(field, "."))) return true;
  }
  return false;
}

void MergeMasked(const Message& patch, const google::protobuf::FieldMask& mask, Message* target) {
  google::protobuf::util::FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  google::protobuf::util::FieldMaskUtil::MergeMessageTo(patch, mask, options, target);
}

}  // namespace parley::api
