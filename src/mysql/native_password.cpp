#include "mysql/native_password.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdint>

namespace borealis::mysql {

namespace {

using Sha1 = std::array<unsigned char, 20>;

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

std::string_view view(const Sha1& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

}  // namespace

std::string native_password_scramble(std::string_view password, std::string_view scramble) {
  if (password.empty()) return {};
  Sha1 stage1 = sha1(password);
  Sha1 stage2 = sha1(view(stage1));
  Sha1 mask = sha1(scramble, view(stage2));
  std::string response(stage1.size(), '\0');
  for (std::size_t i = 0; i < stage1.size(); ++i)
    response[i] = static_cast<char>(stage1[i] ^ mask[i]);
  return response;
}

}  // namespace borealis::mysql
