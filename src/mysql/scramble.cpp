#include "mysql/scramble.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace borealis::mysql {

Scramble make_scramble() {
  Scramble scramble{};
  // Rejection sampling keeps the 94 printable values equally likely.
  std::size_t filled = 0;
  while (filled < scramble.size()) {
    std::uint8_t random[32];
    if (RAND_bytes(random, sizeof(random)) != 1)
      throw std::runtime_error("RAND_bytes failed: no randomness for a scramble");
    for (std::uint8_t byte : random) {
      if (filled == scramble.size()) break;
      if (byte >= 94 * 2) continue;
      scramble[filled++] = static_cast<std::uint8_t>(0x21 + byte % 94);
    }
  }
  return scramble;
}

}  // namespace borealis::mysql
