// SPDX-License-Identifier: MIT
// <tok/tok.h> on top of tok::client. No exception crosses the C boundary.
#include <tok/client.hpp>
#include <tok/tok.h>

#include <tokend/proto/wipe.hpp>

#include <cstdlib>
#include <cstring>
#include <iterator>
#include <new>

struct tok_client {
    tok::client impl;
};

struct tok_token {
    tok::token impl;
};

namespace {

// The last failure on this thread and the handle it happened on, so that
// tok_last_error_message(c) never shows another handle's message.
struct last_failure {
    const tok_client* client = nullptr;
    std::string message;
};
thread_local last_failure last;

// report() hands tok::errc values out as tok_error: both come from <tok/error_codes.h>, and
// these hold each C++ code equal to its C one.
#define SAME_NUMBER(value, name, C_NAME, message, description)                                     \
    static_assert(static_cast<int>(tok::errc::name) == TOK_ERR_##C_NAME && TOK_ERR_##C_NAME == value);
TOK_WIRE_ERRORS(SAME_NUMBER)
TOK_CLIENT_ERRORS(SAME_NUMBER)
#undef SAME_NUMBER

#define NUMBER_OF(value, name, C_NAME, message, description) value,
constexpr int all_codes[] = {TOK_WIRE_ERRORS(NUMBER_OF) TOK_CLIENT_ERRORS(NUMBER_OF) TOK_C_API_ERRORS(NUMBER_OF)};
#undef NUMBER_OF
constexpr bool numbered_without_gap()
{
    for (std::size_t i = 0; i < std::size(all_codes); ++i)
        if (all_codes[i] != static_cast<int>(i) + 1)
            return false;
    return true;
}
static_assert(numbered_without_gap(), "<tok/error_codes.h> numbers its codes 1, 2, 3, ...");

int report(const tok_client* c, std::error_code ec)
{
    if (!ec) {
        last.client = nullptr;
        last.message.clear();
        return TOK_OK;
    }
    last.client = c;
    last.message = tok::client::last_error_message();
    return ec.category() == tok::error_category() ? ec.value() : TOK_ERR_INTERNAL;
}

int invalid(const tok_client* c, const char* what)
{
    last.client = c;
    last.message = what;
    return TOK_ERR_INVALID_ARGUMENT;
}

// Runs `f` (which returns an error code) with exceptions turned into codes.
template <class F>
int guarded(const tok_client* c, F&& f) noexcept
{
    try {
        return f();
    } catch (const std::bad_alloc&) {
        last.client = c;
        last.message = "out of memory";
        return TOK_ERR_NO_MEMORY;
    } catch (...) {
        last.client = c;
        last.message = "unexpected exception in libtok";
        return TOK_ERR_INTERNAL;
    }
}

tok::get_options get_options(double min_ttl_s)
{
    tok::get_options o;
    if (min_ttl_s > 0)
        o.min_ttl = std::chrono::duration<double>(min_ttl_s);
    return o;
}

} // namespace

extern "C" {

int tok_client_new(const char* socket_path, int timeout_ms, tok_client** out)
{
    if (!out)
        return invalid(nullptr, "out must not be NULL");
    *out = nullptr;
    return guarded(nullptr, [&] {
        tok::client_options o;
        if (socket_path)
            o.socket_path = socket_path;
        if (timeout_ms > 0)
            o.timeout = std::chrono::milliseconds(timeout_ms);
        *out = new tok_client{tok::client(std::move(o))};
        return TOK_OK;
    });
}

void tok_client_free(tok_client* client)
{
    delete client;
}

int tok_get(tok_client* client, const char* profile, double min_ttl_s, tok_token** out)
{
    if (!client || !profile || !out)
        return invalid(client, "client, profile and out must not be NULL");
    *out = nullptr;
    return guarded(client, [&] {
        auto t = std::make_unique<tok_token>();
        std::error_code ec;
        t->impl = client->impl.get(profile, get_options(min_ttl_s), ec);
        if (!ec)
            *out = t.release();
        return report(client, ec);
    });
}

void tok_token_free(tok_token* token)
{
    delete token; // tok::token's destructor wipes the value and header values
}

const char* tok_token_value(const tok_token* token)
{
    return token ? token->impl.value.c_str() : nullptr;
}

const char* tok_token_id(const tok_token* token)
{
    return token ? token->impl.id.c_str() : nullptr;
}

int64_t tok_token_expires_at(const tok_token* token)
{
    if (!token || !token->impl.expires_at)
        return 0;
    return std::chrono::duration_cast<std::chrono::seconds>(token->impl.expires_at->time_since_epoch()).count();
}

size_t tok_token_header_count(const tok_token* token)
{
    return token ? token->impl.headers.size() : 0;
}

const char* tok_token_header_name(const tok_token* token, size_t index)
{
    return token && index < token->impl.headers.size() ? token->impl.headers[index].first.c_str() : nullptr;
}

const char* tok_token_header_value(const tok_token* token, size_t index)
{
    return token && index < token->impl.headers.size() ? token->impl.headers[index].second.c_str() : nullptr;
}

int tok_header(tok_client* client, const char* profile, double min_ttl_s, char* buf, size_t cap, size_t* needed)
{
    if (!client || !profile || (!buf && cap > 0))
        return invalid(client, "client and profile must not be NULL, nor buf when cap > 0");
    return guarded(client, [&] {
        std::error_code ec;
        tok::token t = client->impl.get(profile, get_options(min_ttl_s), ec);
        if (ec)
            return report(client, ec);
        std::string lines;
        for (const auto& [name, value] : t.headers)
            lines.append(name).append(": ").append(value).append("\n");
        size_t size = lines.size() + 1;
        if (needed)
            *needed = size;
        if (cap < size) {
            tokend::proto::secure_wipe(lines);
            last.client = client;
            last.message = "buffer of " + std::to_string(cap) + " bytes is too small: " + std::to_string(size) + " needed";
            return static_cast<int>(TOK_ERR_BUFFER_TOO_SMALL);
        }
        std::memcpy(buf, lines.c_str(), size);
        tokend::proto::secure_wipe(lines);
        return report(client, {});
    });
}

int tok_invalidate(tok_client* client, const char* profile, const char* token_id)
{
    if (!client || !profile)
        return invalid(client, "client and profile must not be NULL");
    return guarded(client, [&] {
        std::error_code ec;
        client->impl.invalidate(profile, token_id ? token_id : "", ec);
        return report(client, ec);
    });
}

int tok_status_json(tok_client* client, const char* profile, char** out)
{
    if (!client || !out)
        return invalid(client, "client and out must not be NULL");
    *out = nullptr;
    return guarded(client, [&] {
        std::error_code ec;
        std::string json = client->impl.status_json(profile ? profile : "", ec);
        if (ec)
            return report(client, ec);
        // malloc so that tok_free is a plain free() and FFI callers may use libc's free too.
        char* copy = static_cast<char*>(std::malloc(json.size() + 1));
        if (!copy)
            throw std::bad_alloc();
        std::memcpy(copy, json.c_str(), json.size() + 1);
        *out = copy;
        return report(client, ec);
    });
}

int tok_add(tok_client* client, const char* profile, const char* password)
{
    if (!client || !profile || !password)
        return invalid(client, "client, profile and password must not be NULL");
    return guarded(client, [&] {
        std::error_code ec;
        client->impl.add(profile, password, ec);
        return report(client, ec);
    });
}

int tok_reload(tok_client* client)
{
    if (!client)
        return invalid(client, "client must not be NULL");
    return guarded(client, [&] {
        std::error_code ec;
        client->impl.reload(ec);
        return report(client, ec);
    });
}

void tok_free(void* p)
{
    std::free(p);
}

const char* tok_strerror(int code)
{
    switch (code) {
    case TOK_OK: return "ok";
#define STRERROR_CASE(value, name, C_NAME, message, description) \
    case value: return #name ": " description;
        TOK_WIRE_ERRORS(STRERROR_CASE)
        TOK_CLIENT_ERRORS(STRERROR_CASE)
        TOK_C_API_ERRORS(STRERROR_CASE)
#undef STRERROR_CASE
    }
    return "unknown error code";
}

const char* tok_last_error_message(const tok_client* client)
{
    return client && last.client == client ? last.message.c_str() : "";
}

const char* tok_version(void)
{
    return TOKEND_VERSION;
}

} // extern "C"
