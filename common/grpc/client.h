// How a Parley service calls a peer: one channel per peer, and every call through Call(), which
// gives it a deadline, the caller's token, retries where they are safe, and an absl::Status that
// keeps the peer's error reason.
//
//   std::shared_ptr<grpc::Channel> channel = client::MakeChannel("contacts:50051");
//   auto stub = parley::contacts::v1::ContactsService::NewStub(channel);
//   client::CallOptions opts;
//   opts.idempotent = true;                  // a Get, or a write carrying a request_id
//   opts.bearer_token = identity.Token();    // or the end user's token, when acting for them
//   opts.parent = server_context;            // inside a handler: never outlive the caller
//   GetSchoolResponse response;
//   PARLEY_RETURN_IF_ERROR(client::Call(opts, [&](grpc::ClientContext& ctx) {
//     return stub->GetSchool(&ctx, request, &response);
//   }));
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"

namespace parley::client {

// A channel to `target` ("host:port" or "dns:///svc.ns:50051"). Plaintext: inside the cluster the
// mesh terminates TLS. Keepalive pings find dead connections; reconnect backoff is capped so a
// restarted peer is picked up within seconds; round_robin spreads calls over every address a DNS
// name resolves to (a headless Service).
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target, int max_message_bytes = 64 << 20);

struct CallOptions {
  absl::Duration timeout = absl::Seconds(2);  // for the whole call, retries included
  // Safe to repeat: reads, and writes that carry a request_id. Only these are retried.
  bool idempotent = false;
  int max_attempts = 3;
  absl::Duration initial_backoff = absl::Milliseconds(50);  // doubled per retry, with jitter
  std::string bearer_token;                                 // sent as "authorization: Bearer <token>" when set
  const grpc::ServerContext* parent = nullptr;              // the handler's context: its deadline (if
                                                            // earlier) bounds the call, its cancellation
                                                            // cancels the call
};

// Runs `attempt` with a fresh ClientContext per attempt carrying the deadline and the token.
// Retries only UNAVAILABLE (the peer is unreachable or restarting), only when `idempotent`, with
// jittered exponential backoff, and never past the overall deadline. Returns the last attempt's
// status through FromGrpcStatus, so the peer's error reason survives.
[[nodiscard]] absl::Status Call(const CallOptions& opts,
                                const std::function<grpc::Status(grpc::ClientContext&)>& attempt);

}  // namespace parley::client
