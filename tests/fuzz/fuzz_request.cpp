// SPDX-License-Identifier: MIT
// libFuzzer target for what a hostile client controls: bytes -> line_buffer framing ->
// decode_request -> the answer the agent would write, and the client's decoders on the same
// lines. Checks framing against a reference model and that every answer is one valid line.
#include <tokend/proto/codec.hpp>
#include <tokend/proto/wipe.hpp>
#include <tokend/proto/line_buffer.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace proto = tokend::proto;

namespace {

// A broken invariant: say which, then abort so libFuzzer keeps the input.
void check(bool ok, const char* what)
{
    if (!ok) {
        std::fprintf(stderr, "invariant broken: %s\n", what);
        std::abort();
    }
}

// What line_buffer must produce: complete lines (one '\r' before '\n' dropped) until one is
// longer than the limit, then too_large; an unfinished tail over the limit is too_large too.
struct expected_framing {
    std::vector<std::string_view> lines;
    bool too_large = false;
};

expected_framing model(std::string_view stream, std::size_t limit)
{
    expected_framing e;
    for (;;) {
        auto nl = stream.find('\n');
        std::string_view raw = stream.substr(0, nl);
        if (raw.size() > limit) {
            e.too_large = true;
            return e;
        }
        if (nl == stream.npos)
            return e;
        if (raw.ends_with('\r'))
            raw.remove_suffix(1);
        e.lines.push_back(raw);
        stream.remove_prefix(nl + 1);
    }
}

// The agent's answer to an undecodable line must itself decode, with the same code.
void check_error_answer(const std::string& id, const proto::wire_error& error)
{
    std::string out;
    proto::encode_error(out, id, error);
    check(out.ends_with('\n') && out.find('\n') == out.size() - 1, "an error answer is exactly one line");
    auto back = proto::decode_ok_answer(std::string_view(out).substr(0, out.size() - 1));
    check(back.has_value(), "an error answer decodes as an error");
    check(back->code == error.code, "an error answer keeps its code");
}

bool has_double(const boost::json::value& v)
{
    if (v.is_double())
        return true;
    if (const auto* a = v.if_array())
        return std::any_of(a->begin(), a->end(), [](const auto& e) { return has_double(e); });
    if (const auto* o = v.if_object())
        return std::any_of(o->begin(), o->end(), [](const auto& kv) { return has_double(kv.value()); });
    return false;
}

// An id is echoed as Boost.JSON re-serializes it: exact for integers, strings, booleans and
// structure, but Boost 1.81 parses floating-point numbers only approximately (56e247 comes back
// as a neighbour), so ids holding one are compared by everything but their text.
bool same_id(const std::string& a, const std::string& b)
{
    if (a == b)
        return true;
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(a, ec);
    return !ec && has_double(v);
}

// min_ttl crosses the same approximate parser: equal up to rounding is equal.
bool same_seconds(const std::optional<double>& a, const std::optional<double>& b)
{
    if (!a || !b)
        return a.has_value() == b.has_value();
    return *a == *b || std::fabs(*a - *b) <= 1e-12 * std::max(std::fabs(*a), std::fabs(*b));
}

bool same_request(const proto::request& a, const proto::request& b)
{
    return a.op == b.op && same_id(a.id, b.id) && a.profile == b.profile && same_seconds(a.min_ttl, b.min_ttl)
           && a.token_id == b.token_id && a.password == b.password;
}

// A decoded request survives encode_request -> decode_request unchanged (what libtok sends
// is what the agent reads), and the ok/hello answers that echo its id decode.
void check_round_trip(const proto::request& req)
{
    std::string line = proto::encode_request(req);
    check(line.ends_with('\n') && line.find('\n') == line.size() - 1, "a request is exactly one line");
    line.pop_back();
    proto::request back;
    auto error = proto::decode_request(line, back);
    check(!error, "an encoded request decodes");
    check(same_request(back, req), "a request round-trips through encode_request");
    proto::secure_wipe(back.password);

    std::string ok;
    proto::encode_ok(ok, req.id);
    check(!proto::decode_ok_answer(std::string_view(ok).substr(0, ok.size() - 1)), "an ok answer decodes");
    std::string hello;
    proto::encode_hello(hello, req.id, {"tokend", "0.0.0", proto::protocol_version});
    check(proto::decode_hello_answer(std::string_view(hello).substr(0, hello.size() - 1)).has_value(),
          "a hello answer decodes");
}

// Differential: the decoder's fast path for plain gets must agree with the JSON parser, which
// every line takes once a space follows its '{'.
void check_fast_path(std::string_view line, const std::optional<proto::wire_error>& error, const proto::request& req)
{
    if (!line.starts_with('{'))
        return;
    std::string spaced = "{ " + std::string(line.substr(1));
    proto::request other;
    auto other_error = proto::decode_request(spaced, other);
    check(error.has_value() == other_error.has_value() && (!error || error->code == other_error->code),
          "a line decodes to the same outcome with or without the fast path");
    check(error || same_request(req, other), "a line decodes to the same request with or without the fast path");
    proto::secure_wipe(other.password);
}

void handle_line(std::string_view line)
{
    proto::request req;
    auto error = proto::decode_request(line, req);
    if (error)
        check_error_answer(req.id, *error);
    else
        check_round_trip(req);
    check_fast_path(line, error, req);
    proto::secure_wipe(req.password);
    // A line from a hostile agent (or a fuzzer) must not upset libtok's decoders either.
    (void)proto::decode_hello_answer(line);
    (void)proto::decode_token_answer(line);
    (void)proto::decode_status_answer(line);
    (void)proto::decode_ok_answer(line);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    // Two header bytes choose the read size (1..64) and the line limit (1..1024, small so
    // that fuzz inputs reach it; the agent's real limit is tested in hostile_clients_test.cpp).
    if (size < 2)
        return 0;
    const std::size_t chunk = 1 + data[0] % 64;
    const std::size_t limit = 1 + data[1] * 4;
    const std::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);
    const expected_framing want = model(stream, limit);

    proto::line_buffer buffer(limit);
    std::size_t fed = 0, lines = 0;
    for (;;) {
        std::string_view line;
        auto st = buffer.next(line);
        if (st == proto::line_buffer::status::line) {
            check(lines < want.lines.size() && line == want.lines[lines], "framing yields the model's lines");
            check(line.size() <= limit && line.find('\n') == line.npos, "a line is within the limit, without '\\n'");
            ++lines;
            handle_line(line);
            continue;
        }
        if (st == proto::line_buffer::status::too_large) {
            check(want.too_large && lines == want.lines.size(), "too_large exactly where the model says");
            break;
        }
        if (fed == stream.size()) {
            check(!want.too_large && lines == want.lines.size(), "need_more only once every line was handed out");
            break;
        }
        auto space = buffer.prepare();
        check(!space.empty(), "prepare() always offers space below the limit");
        std::size_t n = std::min({chunk, space.size(), stream.size() - fed});
        std::memcpy(space.data(), stream.data() + fed, n);
        buffer.commit(n);
        fed += n;
    }
    return 0;
}
