// Test-only: a hand-assembled gRPC service with byte-string messages, so that server and client
// tests can have slow, failing and relaying methods without a proto of their own. (The
// Diagnostics service is registered by the Server itself and cannot be registered twice.)
#pragma once

#include <atomic>
#include <deque>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/grpc/client.h"
#include "common/status/grpc_status.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/method_handler.h"

namespace parley::testing {

inline constexpr char kTestServiceName[] = "parley.test.v1.TestService";

inline grpc::ByteBuffer ToBuffer(const std::string& text) {
  grpc::Slice slice(text);
  return grpc::ByteBuffer(&slice, 1);
}

inline std::string FromBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return "";
  std::string text;
  for (const grpc::Slice& s : slices) {
    text.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return text;
}

// Calls `method` ("/pkg.Service/Method") with a text request; the text response in `response`.
inline grpc::Status RawCall(const std::shared_ptr<grpc::Channel>& channel, grpc::ClientContext* ctx,
                            const std::string& method, const std::string& request, std::string* response = nullptr) {
  grpc::GenericStub stub(channel);
  grpc::ByteBuffer req = ToBuffer(request);
  grpc::ByteBuffer resp;
  grpc::Status result;
  absl::Notification done;
  stub.UnaryCall(ctx, method, grpc::StubOptions(), &req, &resp, [&](grpc::Status s) {
    result = std::move(s);
    done.Notify();
  });
  done.WaitForNotification();
  if (result.ok() && response != nullptr) *response = FromBuffer(resp);
  return result;
}

inline grpc::Status RawCall(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                            const std::string& request, std::string* response = nullptr,
                            absl::Duration timeout = absl::Seconds(10)) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return RawCall(channel, &ctx, method, request, response);
}

inline std::string TestMethod(absl::string_view name) { return absl::StrCat("/", kTestServiceName, "/", name); }

class TestService final : public grpc::Service {
 public:
  // How many Sleep calls have reached their handler, process-wide.
  static std::atomic<int>& SleepsStarted() {
    static std::atomic<int> started{0};
    return started;
  }

  TestService() {
    // Stands in for a handler blocked on a slow database.
    Add("Sleep", [](grpc::ServerContext*, const std::string& req, std::string* resp) {
      int ms = 0;
      if (!absl::SimpleAtoi(req, &ms)) ms = 0;
      SleepsStarted().fetch_add(1);
      absl::SleepFor(absl::Milliseconds(ms));
      *resp = "slept";
      return grpc::Status::OK;
    });
    Add("Fail", [](grpc::ServerContext* ctx, const std::string&, std::string*) {
      return ToGrpcStatus(PermissionDenied("WRONG_SCHOOL", "not your school"), ctx);
    });
    Add("Unavailable", [](grpc::ServerContext* ctx, const std::string&, std::string*) {
      return ToGrpcStatus(Unavailable("PG_UNAVAILABLE", "database down"), ctx);
    });
    Add("Whoami", [](grpc::ServerContext* ctx, const std::string&, std::string* resp) {
      auto it = ctx->client_metadata().find("authorization");
      if (it != ctx->client_metadata().end()) {
        *resp = std::string(it->second.data(), it->second.size());
      }
      return grpc::Status::OK;
    });
    Add("Deadline", [](grpc::ServerContext* ctx, const std::string&, std::string* resp) {
      if (ctx->deadline() == std::chrono::system_clock::time_point::max()) {
        *resp = "inf";
      } else {
        *resp = absl::StrCat(absl::ToInt64Milliseconds(absl::FromChrono(ctx->deadline()) - absl::Now()));
      }
      return grpc::Status::OK;
    });
    // Calls Deadline on 127.0.0.1:<request> with a 10 s timeout, as a handler calling a peer.
    Add("Relay", [](grpc::ServerContext* ctx, const std::string& req, std::string* resp) {
      auto channel = client::MakeChannel(absl::StrCat("127.0.0.1:", req));
      client::CallOptions opts;
      opts.timeout = absl::Seconds(10);
      opts.parent = ctx;
      absl::Status status = client::Call(
          opts, [&](grpc::ClientContext& c) { return RawCall(channel, &c, TestMethod("Deadline"), "", resp); });
      return ToGrpcStatus(status, ctx);
    });
  }

 private:
  using Fn = grpc::Status (*)(grpc::ServerContext*, const std::string&, std::string*);

  void Add(const char* name, Fn fn) {
    names_.push_back(TestMethod(name));
    AddMethod(new grpc::internal::RpcServiceMethod(
        names_.back().c_str(), grpc::internal::RpcMethod::NORMAL_RPC,
        new grpc::internal::RpcMethodHandler<TestService, grpc::ByteBuffer, grpc::ByteBuffer>(
            [fn](TestService*, grpc::ServerContext* ctx, const grpc::ByteBuffer* req, grpc::ByteBuffer* resp) {
              std::string out;
              grpc::Status status = fn(ctx, FromBuffer(*req), &out);
              *resp = ToBuffer(out);
              return status;
            },
            this)));
  }

  std::deque<std::string> names_;  // stable addresses: gRPC keeps the const char*
};

}  // namespace parley::testing
