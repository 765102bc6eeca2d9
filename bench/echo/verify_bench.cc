// verify_bench: the cost of Verifier::Verify, cached and uncached, single- and multi-threaded.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "common/auth/auth.h"
#include "common/auth/testing/test_keys.h"

namespace parley::auth {
namespace {

struct Setup {
  std::unique_ptr<Verifier> cached;
  std::unique_ptr<Verifier> uncached;
  std::vector<std::string> tokens;  // distinct tokens, as from many users

  Setup() {
    const testing::KeyPair key = testing::GenerateEcP256();
    VerifierOptions opts;
    opts.public_keys_pem = {key.public_pem};
    opts.issuer = "bench";
    opts.audience = "parley";
    cached = *Verifier::Create(opts);
    opts.cache_capacity = 0;
    uncached = *Verifier::Create(opts);
    SignerOptions sopts;
    sopts.private_key_pem = key.private_pem;
    sopts.issuer = "bench";
    sopts.audience = "parley";
    auto signer = *Signer::Create(sopts);
    for (int i = 0; i < 1000; ++i) {
      tokens.push_back(
          *signer->Mint(Principal{absl::StrCat("staff-", i), {"teacher", "office"}, {"st-marys"}}, absl::Hours(1)));
    }
    for (const std::string& t : tokens) (void)cached->Verify(t);  // warm
  }
};

Setup& Shared() {
  static Setup* setup = new Setup();
  return *setup;
}

void BM_VerifyCached(benchmark::State& state) {
  Setup& s = Shared();
  size_t i = static_cast<size_t>(state.thread_index()) * 97;
  for (auto _ : state) {
    auto p = s.cached->Verify(s.tokens[i++ % s.tokens.size()]);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_VerifyCached)->Threads(1)->Threads(2)->UseRealTime();

void BM_VerifyUncached(benchmark::State& state) {
  Setup& s = Shared();
  size_t i = 0;
  for (auto _ : state) {
    auto p = s.uncached->Verify(s.tokens[i++ % s.tokens.size()]);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_VerifyUncached);

}  // namespace
}  // namespace parley::auth
