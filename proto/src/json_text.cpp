// SPDX-License-Identifier: MIT
#include <tokend/proto/json_text.hpp>
#include <tokend/proto/wipe.hpp>

#include <new>
#include <string.h> // explicit_bzero

namespace tokend::proto {

// noinline and alloca: the frame really spans `bytes` below the caller's, and explicit_bzero
// is never optimized away.
[[gnu::noinline]] void scrub_stack(std::size_t bytes) noexcept
{
    bytes = bytes > 64 * 1024 ? 64 * 1024 : bytes;
    auto* area = static_cast<unsigned char*>(__builtin_alloca(bytes));
    explicit_bzero(area, bytes);
    __asm__ volatile("" : : "r"(area) : "memory"); // the area counts as used
}

void* wiping_memory_resource::do_allocate(std::size_t n, std::size_t align)
{
    return ::operator new(n, std::align_val_t(align));
}

void wiping_memory_resource::do_deallocate(void* p, std::size_t n, std::size_t align)
{
    secure_wipe(p, n);
    ::operator delete(p, std::align_val_t(align));
}

} // namespace tokend::proto
