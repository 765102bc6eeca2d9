#include "common/grpc/client.h"

#include <algorithm>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status/grpc_status.h"
#include "common/status/reason.h"
#include "common/status/reasons.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_certificate_verifier.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "grpcpp/support/channel_arguments.h"

namespace parley::client {
namespace {

constexpr absl::Duration kMaxBackoff = absl::Seconds(2);

absl::Duration Jittered(absl::Duration backoff) {
  // Half fixed, half random: spreads retries from many callers without ever retrying at once.
  thread_local absl::InsecureBitGen gen;
  return backoff / 2 + absl::Uniform(gen, 0.0, 1.0) * (backoff / 2);
}

}  // namespace

std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials(const TlsSettings& tls) {
  if (!tls.CallsWithTls()) return grpc::InsecureChannelCredentials();
  const auto interval = static_cast<unsigned int>(std::max<int64_t>(1, absl::ToInt64Seconds(tls.reload_interval)));
  const bool identity = !tls.cert_file.empty() && !tls.key_file.empty();
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      identity ? tls.key_file : "", identity ? tls.cert_file : "", tls.ca_file, interval);
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(provider);
  if (!tls.ca_file.empty()) options.watch_root_certs();  // else the system roots
  if (identity) options.watch_identity_key_cert_pairs();
  options.set_verify_server_certs(true);
  options.set_certificate_verifier(std::make_shared<grpc::experimental::HostNameCertificateVerifier>());
  return grpc::experimental::TlsCredentials(options);
}

grpc::ChannelArguments ChannelArgs(int max_message_bytes) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(max_message_bytes);
  args.SetMaxSendMessageSize(max_message_bytes);
  args.SetLoadBalancingPolicyName("round_robin");
  // The server (server.cc) permits pings every 10 s without calls; 30 s stays well inside that.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 250);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  return args;
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target,
                                           const std::shared_ptr<grpc::ChannelCredentials>& credentials,
                                           int max_message_bytes) {
  return grpc::CreateCustomChannel(target, credentials, ChannelArgs(max_message_bytes));
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target, const TlsSettings& tls, int max_message_bytes) {
  return MakeChannel(target, ChannelCredentials(tls), max_message_bytes);
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target, int max_message_bytes) {
  return MakeChannel(target, grpc::InsecureChannelCredentials(), max_message_bytes);
}

absl::Status Call(const CallOptions& opts, const std::function<grpc::Status(grpc::ClientContext&)>& attempt) {
  absl::Time deadline = absl::Now() + opts.timeout;
  // Whose deadline binds: the caller's (the handler's), or this call's own timeout.
  bool callers_deadline = false;
  if (opts.parent != nullptr) {
    const absl::Time parent = absl::FromChrono(opts.parent->deadline());
    callers_deadline = parent <= deadline;
    deadline = std::min(deadline, parent);
  }
  const std::string authorization =
      opts.bearer_token.empty() ? std::string() : absl::StrCat("Bearer ", opts.bearer_token);
  const int max_attempts = std::max(1, opts.max_attempts);
  absl::Duration backoff = std::max(opts.initial_backoff, absl::Milliseconds(1));

  for (int n = 1;; ++n) {
    // A ClientContext cannot be reused, so each attempt gets its own. From a handler it is made
    // from the server context, so that a caller who gives up cancels this call too.
    std::unique_ptr<grpc::ClientContext> owned;
    grpc::ClientContext plain;
    grpc::ClientContext* ctx = &plain;
    if (opts.parent != nullptr) {
      owned = grpc::ClientContext::FromServerContext(*opts.parent);
      ctx = owned.get();
    }
    ctx->set_deadline(absl::ToChronoTime(deadline));
    if (!authorization.empty()) ctx->AddMetadata("authorization", authorization);

    const grpc::Status status = attempt(*ctx);
    if (status.ok()) return absl::OkStatus();
    absl::Status result = FromGrpcStatus(status, ctx);
    // The peer not answering within this call's own timeout is the peer's trouble, not an expired
    // deadline of whoever called us: they are told UNAVAILABLE (retry), not DEADLINE_EXCEEDED.
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED && !callers_deadline) {
      return Unavailable(reason::kPeerUnavailable,
                         absl::StrCat("the service called did not answer within ", absl::FormatDuration(opts.timeout)));
    }
    // A peer at its limit of calls in progress (gRPC's own RESOURCE_EXHAUSTED, no reason) never
    // started the call: as safe to repeat as UNAVAILABLE.
    const bool not_started =
        status.error_code() == grpc::StatusCode::UNAVAILABLE ||
        (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED && ErrorReason(result).empty());
    if (!not_started || !opts.idempotent || n >= max_attempts) {
      return result;
    }
    const absl::Duration pause = Jittered(backoff);
    if (absl::Now() + pause >= deadline) return result;
    absl::SleepFor(pause);
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

}  // namespace parley::client
