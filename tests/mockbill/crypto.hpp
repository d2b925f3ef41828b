// SPDX-License-Identifier: MIT
// OpenSSL-backed primitives for the mock: randomness, UUIDs, base64 flavours, HMAC-SHA256
// and an RSA signing key. Failures of OpenSSL itself throw std::runtime_error.
#pragma once

#include <boost/json/object.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct evp_pkey_st;
struct evp_md_ctx_st;

namespace mockbill {

std::string random_bytes(std::size_t n);
std::string random_hex(std::size_t bytes); // 2*bytes lowercase hex characters
std::string make_uuid();                   // RFC 4122 version 4, lowercase

std::string base64url_encode(std::string_view data); // no padding (JWT)
std::optional<std::string> base64url_decode(std::string_view text);
// Standard alphabet, padding optional; nullopt on any other character or bad length.
std::optional<std::string> base64_decode(std::string_view text);

std::string hmac_sha256(std::string_view key, std::string_view data);
bool constant_time_equal(std::string_view a, std::string_view b);

// Incremental SHA-256 for bodies that are hashed as they stream by, never stored whole.
class sha256_stream {
public:
    sha256_stream();
    void update(const void* data, std::size_t n);
    std::string hex_digest(); // 64 lowercase hex characters; the object is spent after this

private:
    struct deleter {
        void operator()(evp_md_ctx_st* ctx) const;
    };
    std::unique_ptr<evp_md_ctx_st, deleter> ctx_;
};

std::string sha256_hex(std::string_view data);

// A 2048-bit RSA key generated at construction, used to sign Aviate RS256 tokens.
class rsa_key {
public:
    rsa_key();
    std::string sign_sha256(std::string_view data) const; // PKCS#1 v1.5 signature
    boost::json::object jwk(std::string_view kid) const;   // public part as a JWK

private:
    struct deleter {
        void operator()(evp_pkey_st* key) const;
    };
    std::unique_ptr<evp_pkey_st, deleter> key_;
};

} // namespace mockbill
