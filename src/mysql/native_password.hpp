// mysql_native_password: the client proves it knows the password without
// sending it, as SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))).
// Kept apart from the codec so that pure decoders need no OpenSSL.
#pragma once

#include <string>
#include <string_view>

namespace borealis::mysql {

// The 20-byte auth response for `password` and the server's 20-byte
// scramble; empty for an empty password, as the server expects.
std::string native_password_scramble(std::string_view password, std::string_view scramble);

}  // namespace borealis::mysql
