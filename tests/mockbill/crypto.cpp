// SPDX-License-Identifier: MIT
// OpenSSL 3 EVP implementations of the mock's crypto primitives.
#include "crypto.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <array>
#include <stdexcept>
#include <vector>

namespace mockbill {

namespace {

constexpr std::string_view b64_std =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view b64_url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

[[noreturn]] void fail(const char* what)
{
    throw std::runtime_error(std::string("openssl: ") + what);
}

std::string encode(std::string_view data, std::string_view alphabet)
{
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    std::size_t i = 0;
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(data[k]); };
    for (; i + 3 <= data.size(); i += 3) {
        unsigned v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
        for (int shift = 18; shift >= 0; shift -= 6)
            out += alphabet[(v >> shift) & 63];
    }
    if (std::size_t rest = data.size() - i; rest > 0) {
        unsigned v = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0u);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        if (rest == 2)
            out += alphabet[(v >> 6) & 63];
    }
    return out;
}

// Decodes unpadded text; padding, if any, is stripped by the caller.
std::optional<std::string> decode(std::string_view text, std::string_view alphabet)
{
    if (text.size() % 4 == 1)
        return std::nullopt;
    std::string out;
    unsigned acc = 0;
    int bits = 0;
    for (char c : text) {
        auto pos = alphabet.find(c);
        if (pos == std::string_view::npos)
            return std::nullopt;
        acc = (acc << 6) | static_cast<unsigned>(pos);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    return out;
}

std::string to_hex(std::string_view raw)
{
    constexpr std::string_view digits = "0123456789abcdef";
    std::string out;
    out.reserve(raw.size() * 2);
    for (char c : raw) {
        auto b = static_cast<unsigned char>(c);
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

} // namespace

std::string random_bytes(std::size_t n)
{
    std::string out(n, '\0');
    if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
        fail("RAND_bytes");
    return out;
}

std::string random_hex(std::size_t bytes) { return to_hex(random_bytes(bytes)); }

std::string make_uuid()
{
    std::string raw = random_bytes(16);
    raw[6] = static_cast<char>((raw[6] & 0x0f) | 0x40); // version 4
    raw[8] = static_cast<char>((raw[8] & 0x3f) | 0x80); // RFC 4122 variant
    std::string hex = to_hex(raw);
    return hex.substr(0, 8) + '-' + hex.substr(8, 4) + '-' + hex.substr(12, 4) + '-' +
           hex.substr(16, 4) + '-' + hex.substr(20);
}

std::string base64url_encode(std::string_view data) { return encode(data, b64_url); }

std::optional<std::string> base64url_decode(std::string_view text)
{
    return decode(text, b64_url);
}

std::optional<std::string> base64_decode(std::string_view text)
{
    // Padding is optional, but when present it must complete a 4-character group.
    if (auto pad = text.find('='); pad != std::string_view::npos) {
        if (text.size() % 4 != 0 || text.size() - pad > 2 ||
            text.find_first_not_of('=', pad) != std::string_view::npos)
            return std::nullopt;
        text = text.substr(0, pad);
    }
    return decode(text, b64_std);
}

std::string hmac_sha256(std::string_view key, std::string_view data)
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned len = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), md.data(), &len))
        fail("HMAC");
    return std::string(reinterpret_cast<const char*>(md.data()), len);
}

bool constant_time_equal(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void sha256_stream::deleter::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

sha256_stream::sha256_stream() : ctx_(EVP_MD_CTX_new())
{
    // Fetched once: an implicit fetch per hash takes the provider store's lock every time.
    static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (!sha256 || !ctx_ || EVP_DigestInit_ex(ctx_.get(), sha256, nullptr) != 1)
        fail("EVP_DigestInit_ex");
}

void sha256_stream::update(const void* data, std::size_t n)
{
    if (n > 0 && EVP_DigestUpdate(ctx_.get(), data, n) != 1)
        fail("EVP_DigestUpdate");
}

std::string sha256_stream::hex_digest()
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned len = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), md.data(), &len) != 1)
        fail("EVP_DigestFinal_ex");
    return to_hex(std::string_view(reinterpret_cast<const char*>(md.data()), len));
}

std::string sha256_hex(std::string_view data)
{
    sha256_stream h;
    h.update(data.data(), data.size());
    return h.hex_digest();
}

void rsa_key::deleter::operator()(evp_pkey_st* key) const { EVP_PKEY_free(key); }

rsa_key::rsa_key() : key_(EVP_RSA_gen(2048))
{
    if (!key_)
        fail("EVP_RSA_gen");
}

std::string rsa_key::sign_sha256(std::string_view data) const
{
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1)
        fail("EVP_DigestSignInit");
    auto in = reinterpret_cast<const unsigned char*>(data.data());
    std::size_t len = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) != 1)
        fail("EVP_DigestSign");
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                       data.size()) != 1)
        fail("EVP_DigestSign");
    sig.resize(len);
    return sig;
}

boost::json::object rsa_key::jwk(std::string_view kid) const
{
    auto param = [&](const char* name) {
        BIGNUM* bn = nullptr;
        if (EVP_PKEY_get_bn_param(key_.get(), name, &bn) != 1)
            fail("EVP_PKEY_get_bn_param");
        std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
        BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
        BN_free(bn);
        return base64url_encode(bytes);
    };
    return {{"kty", "RSA"},
            {"kid", kid},
            {"use", "sig"},
            {"alg", "RS256"},
            {"n", param(OSSL_PKEY_PARAM_RSA_N)},
            {"e", param(OSSL_PKEY_PARAM_RSA_E)}};
}

} // namespace mockbill
