// How a Parley service calls a peer: one channel per peer, and every call through Call(), which
// gives it a deadline, the caller's token, retries where they are safe, and an absl::Status that
// keeps the peer's error reason.
//
//   std::shared_ptr<grpc::Channel> channel = client::MakeChannel("contacts:50051", config.tls);
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
#include "common/config/tls_settings.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/channel_arguments.h"
#include "grpcpp/support/status.h"

namespace parley::client {

// The credentials of a call to a Parley server. With tls.CallsWithTls(): TLS that verifies the
// server's certificate against tls.ca_file (the system roots when it is empty) and its host name
// against the target's, and presents tls.cert_file/key_file when set (mutual TLS). The files are
// watched, so rotated certificates are used without a restart. Plaintext otherwise (local
// development without certificates, or a mesh that encrypts the connection instead).
std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials(const TlsSettings& tls);

// Channel arguments for a channel that `target` names: TLS verifies the certificate against
// the host part of `target` (an IP address must be in the certificate's IP SANs).
grpc::ChannelArguments ChannelArgs(int max_message_bytes = 64 << 20);

// A channel to `target` ("host:port" or "dns:///svc.ns:50051") with ChannelCredentials(tls).
// Keepalive pings find dead connections; reconnect backoff is capped so a restarted peer is picked
// up within seconds; round_robin spreads calls over every address a DNS name resolves to (a
// headless Service).
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target, const TlsSettings& tls,
                                           int max_message_bytes = 64 << 20);
// The same over `credentials` (one ChannelCredentials(tls) shared by several channels).
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target,
                                           const std::shared_ptr<grpc::ChannelCredentials>& credentials,
                                           int max_message_bytes = 64 << 20);
// Plaintext: in-process tests and benchmarks only.
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
// Retries only UNAVAILABLE (the peer is unreachable or restarting) and gRPC's own
// RESOURCE_EXHAUSTED (the peer at its limit of calls in progress: the call never started), only
// when `idempotent`, with jittered exponential backoff, and never past the overall deadline.
// Returns the last attempt's status through FromGrpcStatus, so the peer's error reason survives;
// a peer that does not answer within `timeout` is UNAVAILABLE (PEER_UNAVAILABLE), and
// DEADLINE_EXCEEDED is kept for the parent's own deadline passing.
[[nodiscard]] absl::Status Call(const CallOptions& opts,
                                const std::function<grpc::Status(grpc::ClientContext&)>& attempt);

}  // namespace parley::client
