// libFuzzer target for parley::api::ValidateRequest: arbitrary bytes as the request of any Parley
// RPC. The first byte picks the method (every method of contacts, conduct and escalation), the rest
// is parsed into its request message the way gRPC would, and the message is validated — whether
// or not it parsed completely, since a partial parse leaves a message too. Nothing may crash, hang,
// leak or trip a sanitizer. Built and run by scripts/fuzz.sh (docs/fuzzing.md).
#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/grpc/request_validation.h"
#include "fuzz/request_types.h"
#include "google/protobuf/message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto& types = parley::fuzz::RequestTypes();
  const google::protobuf::Descriptor* type = types[data[0] % types.size()];
  std::unique_ptr<google::protobuf::Message> request(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
  (void)request->ParseFromArray(data + 1, static_cast<int>(size - 1));
  (void)parley::api::ValidateRequest(*request);
  return 0;
}
