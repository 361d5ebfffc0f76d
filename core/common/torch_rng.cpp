// The LibTorch generators of common/rng.h.
#include <torch/torch.h>

#include "common/rng.h"

namespace weft {

at::Generator cpu_generator(std::uint64_t seed) {
  const std::uint64_t h = Rng::derive(seed, 0x746F726368ull);  // "torch" stream of this seed
  return at::detail::createCPUGenerator(static_cast<std::uint32_t>(h ^ (h >> 32)));
}

at::Generator torch_compatible_generator(std::uint64_t seed) { return at::detail::createCPUGenerator(seed); }

}  // namespace weft
