// Fresh random scrambles (the "salt" of a MySQL greeting or auth switch).
#pragma once

#include "mysql/server_handshake.hpp"

namespace borealis::mysql {

// 20 bytes from OpenSSL's CSPRNG, each in 0x21..0x7e: never NUL (the
// greeting ends the scramble with one) and printable, as MySQL's are.
Scramble make_scramble();

}  // namespace borealis::mysql
