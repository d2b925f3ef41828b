// SPDX-License-Identifier: MIT
#include "secrets/secret.hpp"

#include <tokend/proto/wipe.hpp>

#include <openssl/crypto.h>

#include <cstring>
#include <new>
#include <utility>

namespace tokend::agent {

bool init_secure_heap(std::size_t bytes)
{
    // minsize 32: most secrets are short passwords; larger ones round up to a power of two.
    return CRYPTO_secure_malloc_init(bytes, 32) == 1;
}

void* secret_allocate(std::size_t bytes)
{
    // The secure heap answers null when full (or never set up); the ordinary heap takes over.
    bytes = bytes ? bytes : 1;
    void* p = OPENSSL_secure_malloc(bytes);
    if (!p)
        p = OPENSSL_malloc(bytes);
    if (!p)
        throw std::bad_alloc();
    return p;
}

void secret_deallocate(void* p, std::size_t bytes) noexcept
{
    if (!p)
        return;
    bytes = bytes ? bytes : 1;
    if (CRYPTO_secure_allocated(p))
        OPENSSL_secure_clear_free(p, bytes);
    else
        OPENSSL_clear_free(p, bytes);
}

secret secret::copy_of(std::string_view value)
{
    secret out;
    if (value.empty())
        return out;
    out.data_ = static_cast<char*>(secret_allocate(value.size()));
    std::memcpy(out.data_, value.data(), value.size());
    out.size_ = value.size();
    return out;
}

secret::secret(secret&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0))
{
}

secret& secret::operator=(secret&& other) noexcept
{
    if (this != &other) {
        reset();
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

secret secret::take(std::string& s)
{
    secret out = copy_of(s);
    proto::secure_wipe(s);
    return out;
}

void secret::reset() noexcept
{
    secret_deallocate(data_, size_);
    data_ = nullptr;
    size_ = 0;
}

bool secret::equals(std::string_view other) const noexcept
{
    return other.size() == size_ && (size_ == 0 || CRYPTO_memcmp(data_, other.data(), size_) == 0);
}

} // namespace tokend::agent
