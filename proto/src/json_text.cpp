// SPDX-License-Identifier: MIT
#include <tokend/proto/json_text.hpp>

#include <new>
#include <string.h> // explicit_bzero

namespace tokend::proto {

void secure_wipe(void* p, std::size_t n) noexcept
{
    if (p && n)
        explicit_bzero(p, n);
}

void secure_wipe(std::string& s) noexcept
{
    s.resize(s.capacity());
    secure_wipe(s.data(), s.size());
    s.clear();
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
