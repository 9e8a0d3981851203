#include "mysql/native_password.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cstdint>

namespace borealis::mysql {

namespace {

constexpr std::size_t kSha1Size = 20;
using Sha1 = std::array<unsigned char, kSha1Size>;

// SHA1 of the concatenation of two byte strings. With EVP_sha1 these calls
// cannot fail short of memory exhaustion; a zero digest then fails the login.
Sha1 sha1(std::string_view first, std::string_view second = {}) {
  Sha1 digest{};
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  if (context == nullptr) return digest;
  unsigned int length = 0;
  if (EVP_DigestInit_ex(context, EVP_sha1(), nullptr) != 1 ||
      EVP_DigestUpdate(context, first.data(), first.size()) != 1 ||
      EVP_DigestUpdate(context, second.data(), second.size()) != 1 ||
      EVP_DigestFinal_ex(context, digest.data(), &length) != 1)
    digest.fill(0);
  EVP_MD_CTX_free(context);
  return digest;
}

std::string bytes(const Sha1& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

std::string xor_with(std::string_view value, const Sha1& mask) {
  std::string out(kSha1Size, '\0');
  for (std::size_t i = 0; i < kSha1Size; ++i)
    out[i] = static_cast<char>(static_cast<unsigned char>(value[i]) ^ mask[i]);
  return out;
}

}  // namespace

std::string native_password_stage1(std::string_view password) { return bytes(sha1(password)); }

std::string native_password_stage2(std::string_view stage1) { return bytes(sha1(stage1)); }

std::string native_password_answer(std::string_view stage1, std::string_view scramble) {
  if (stage1.size() != kSha1Size) return {};
  return xor_with(stage1, sha1(scramble, native_password_stage2(stage1)));
}

std::string native_password_scramble(std::string_view password, std::string_view scramble) {
  if (password.empty()) return {};
  return native_password_answer(native_password_stage1(password), scramble);
}

std::optional<std::string> verify_native_password(std::string_view answer,
                                                  std::string_view scramble,
                                                  std::string_view stage2) {
  if (answer.size() != kSha1Size || stage2.size() != kSha1Size) return std::nullopt;
  std::string stage1 = xor_with(answer, sha1(scramble, stage2));
  const std::string check = native_password_stage2(stage1);
  // Constant time: how much of a guess matched is not observable.
  if (CRYPTO_memcmp(check.data(), stage2.data(), kSha1Size) != 0) return std::nullopt;
  return stage1;
}

}  // namespace borealis::mysql
