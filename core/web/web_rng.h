#pragma once
// The same seeded splitmix64 stream as weft::Rng (common/rng.h). weft::Rng's definitions live in rng.cpp, which
// also holds the LibTorch generator helpers, so linking it would pull LibTorch into this torch-free library.
// This copy must stay bit-identical to weft::Rng (tests/web checks the published splitmix64 values); it can be
// dropped once the torch-free half of rng.cpp moves into weft_files.
#include <cstdint>

namespace weft::web {

class WebRng {
 public:
  explicit WebRng(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next_u64() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double next_double() { return static_cast<double>(next_u64() >> 11) * (1.0 / 9007199254740992.0); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * next_double(); }
  std::uint64_t below(std::uint64_t n) {  // n > 0; rejection removes the modulo bias
    const std::uint64_t limit = (~std::uint64_t{0}) - (~std::uint64_t{0}) % n;
    std::uint64_t x;
    do {
      x = next_u64();
    } while (x >= limit);
    return x % n;
  }
  static std::uint64_t derive(std::uint64_t seed, std::uint64_t index) {
    WebRng mix(seed ^ (index * 0xD1B54A32D192ED03ull + 0x8CB92BA72F3D8DD7ull));
    return mix.next_u64();
  }

 private:
  std::uint64_t state_;
};

}  // namespace weft::web
