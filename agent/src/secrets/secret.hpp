// SPDX-License-Identifier: MIT
// The one type that holds secret bytes (passwords, tokens, rendered answers): move-only,
// kept in OpenSSL's locked secure heap when there is room, wiped when dropped, and
// deliberately not streamable, so a secret cannot end up in a log line by accident.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
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

// The memory under every secret byte: OpenSSL's secure heap while it has room, else the
// ordinary heap; wiped before it is freed either way. secret_deallocate takes any pointer
// secret_allocate gave.
void* secret_allocate(std::size_t bytes);
void secret_deallocate(void* p, std::size_t bytes) noexcept;

// Allocator for containers that carry secrets while they are built or read (HTTP requests and
// responses, parsed upstream answers, rendered get answers): each block comes from
// secret_allocate, so a container that grows wipes the block it leaves behind.
template <class T>
struct secret_allocator {
    static_assert(alignof(T) <= alignof(std::max_align_t));
    using value_type = T;
    secret_allocator() = default;
    template <class U>
    secret_allocator(const secret_allocator<U>&) noexcept {}
    T* allocate(std::size_t n)
    {
        if (n > static_cast<std::size_t>(-1) / sizeof(T))
            throw std::bad_array_new_length();
        return static_cast<T*>(secret_allocate(n * sizeof(T)));
    }
    void deallocate(T* p, std::size_t n) noexcept { secret_deallocate(p, n * sizeof(T)); }
    template <class U>
    bool operator==(const secret_allocator<U>&) const noexcept { return true; }
};

// A std::string-like buffer for secret text that is built piecewise. Beware its small-string
// buffer: up to 15 bytes live inside the object, not on the heap, and are not wiped.
using secret_string = std::basic_string<char, std::char_traits<char>, secret_allocator<char>>;

} // namespace tokend::agent
