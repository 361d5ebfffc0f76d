#pragma once
// Seeded randomness. Every job takes a 64-bit seed; all random numbers are drawn on the CPU so that the same
// request gives the same output whatever device computes the rest.
#include <cstdint>

namespace at {
class Generator;
}

namespace weft {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next_u64();         // splitmix64: small, fast, good enough for shuffles and picks
  double next_double();             // uniform in [0, 1)
  double uniform(double lo, double hi) { return lo + (hi - lo) * next_double(); }
  std::uint64_t below(std::uint64_t n);  // uniform in [0, n), unbiased; n > 0

  // An independent stream for item `index` of a batch (image k of count, epoch e, ...), stable across runs.
  static std::uint64_t derive(std::uint64_t seed, std::uint64_t index);

 private:
  std::uint64_t state_;
};

// The LibTorch half (defined in torch_rng.cpp, part of weft_core; the rest is in weft_files and torch-free).
// A LibTorch CPU generator for `seed` (for torch::multinomial, randn, ... with a generator argument).
// LibTorch's CPU engine (mt19937) keeps only the low 32 bits of a seed, so seeds 1 and 1 + 2^32 would give the
// same stream; the 64-bit seed is therefore hashed to the 32-bit engine seed, so that every bit matters.
at::Generator cpu_generator(std::uint64_t seed);
// Exactly what Python's torch.Generator().manual_seed(seed) gives, for parity with official reference code.
at::Generator torch_compatible_generator(std::uint64_t seed);

// A fresh seed for the "dice" buttons (non-deterministic by design; the drawn seed is recorded in the request).
std::uint64_t random_seed();

}  // namespace weft
