// SPDX-License-Identifier: MIT
// The one type that holds secret bytes (passwords, tokens, rendered answers): move-only,
// kept in OpenSSL's locked secure heap when there is room, wiped when dropped, and
// deliberately not streamable, so a secret cannot end up in a log line by accident.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace tokend::agent {

// Reserves the locked, never-dumped heap secrets live in. Returns false when mlock is not
// allowed (RLIMIT_MEMLOCK): secrets then live in ordinary memory, still wiped on release.
bool init_secure_heap(std::size_t bytes);

class secret {
public:
    secret() = default;
    // Named rather than a constructor, so that no result<secret, std::string> is ambiguous.
    static secret copy_of(std::string_view value);
    secret(secret&& other) noexcept;
    secret& operator=(secret&& other) noexcept;
    secret(const secret&) = delete;
    secret& operator=(const secret&) = delete;
    ~secret() { reset(); }

    // Adopts and wipes a std::string that briefly held the secret.
    static secret take(std::string& s);

    std::string_view view() const noexcept { return {data_, size_}; }
    const char* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    secret clone() const { return copy_of(view()); }
    void reset() noexcept;

    // Constant-time comparison.
    bool equals(std::string_view other) const noexcept;
    bool operator==(const secret& other) const noexcept { return equals(other.view()); }

private:
    char* data_ = nullptr;
    std::size_t size_ = 0;
};

// Allocator whose memory is wiped before it is freed: for Beast buffers that carry
// request bodies with passwords and response bodies with tokens.
template <class T>
struct wiping_allocator {
    using value_type = T;
    wiping_allocator() = default;
    template <class U>
    wiping_allocator(const wiping_allocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
    void deallocate(T* p, std::size_t n) noexcept;
    template <class U>
    bool operator==(const wiping_allocator<U>&) const noexcept { return true; }
};

void wipe_bytes(void* p, std::size_t n) noexcept;

template <class T>
void wiping_allocator<T>::deallocate(T* p, std::size_t n) noexcept
{
    wipe_bytes(p, n * sizeof(T));
    std::allocator<T>().deallocate(p, n);
}

// A std::string-like buffer for secret text that is built piecewise (HTTP bodies).
using secret_string = std::basic_string<char, std::char_traits<char>, wiping_allocator<char>>;

} // namespace tokend::agent
