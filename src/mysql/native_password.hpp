// mysql_native_password: the client proves it knows the password without
// sending it, as SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))).
// The server stores SHA1(SHA1(password)) ("stage 2"). From a client's proof
// and the stored hash, a verifier learns SHA1(password) ("stage 1"): enough
// to answer any later scramble for that account, never the password.
// Kept apart from the codec so that pure decoders need no OpenSSL.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace borealis::mysql {

// The 20-byte auth response for `password` and the server's 20-byte
// scramble; empty for an empty password, as the server expects.
std::string native_password_scramble(std::string_view password, std::string_view scramble);

// SHA1(password) and SHA1(SHA1(password)), 20 raw bytes each.
std::string native_password_stage1(std::string_view password);
std::string native_password_stage2(std::string_view stage1);

// The auth response for a scramble from stage 1 (empty stays empty).
std::string native_password_answer(std::string_view stage1, std::string_view scramble);

// Checks a client's 20-byte `answer` to `scramble` against the stored
// `stage2`; returns stage 1 when it proves the password, else nullopt.
std::optional<std::string> verify_native_password(std::string_view answer,
                                                  std::string_view scramble,
                                                  std::string_view stage2);

}  // namespace borealis::mysql
