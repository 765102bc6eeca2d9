// Serves until SIGTERM or SIGINT, for server_test's signal test: prints "port <n>" once serving
// and "stopped" once drained, then exits 0.
//
//   grpc_signal_helper <not_serving_delay_ms>
#include <cstdio>
#include <cstdlib>

#include "common/grpc/server.h"
#include "common/log/log.h"

int main(int argc, char** argv) {
  parley::log::SetService("signal-helper");
  parley::server::ServerOptions options;
  options.service_name = "signal-helper";
  options.listen_address = "127.0.0.1:0";
  options.metrics_address = "";
  options.not_serving_delay = absl::Milliseconds(argc > 1 ? std::atoi(argv[1]) : 0);
  options.drain_deadline = absl::Seconds(5);
  parley::server::Server server(options);
  if (absl::Status started = server.Start(); !started.ok()) {
    std::fprintf(stderr, "%s\n", started.ToString().c_str());
    return 1;
  }
  server.InstallSignalHandlers();
  std::printf("port %d\n", server.port());
  std::fflush(stdout);
  server.Wait();
  std::printf("stopped\n");
  std::fflush(stdout);
  return 0;
}
