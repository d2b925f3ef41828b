// SPDX-License-Identifier: MIT
// One answer line as a session writes it. A served token's fields (rendered once per token by
// its profile, kept in locked memory) are not copied into the line: the session sends them
// from where they are, between the text before and after them (docs/security.md, "Secrets in
// memory"). `text` itself never holds a secret.
#pragma once

#include "secrets/secret.hpp"

#include <tokend/proto/encode.hpp>

#include <algorithm>
#include <array>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace tokend::agent {

struct answer {
    std::string text;
    std::shared_ptr<const secret> token_fields; // held until written: a refresh may replace the profile's
    std::size_t splice = 0;                     // where in `text` the fields go

    void clear() noexcept
    {
        text.clear();
        token_fields.reset();
        splice = 0;
    }

    // The answer to a get that is served `fields`.
    void set_token(std::string_view id, std::shared_ptr<const secret> fields)
    {
        proto::begin_token_answer(text, id);
        splice = text.size();
        proto::end_token_answer(text);
        token_fields = std::move(fields);
    }

    std::size_t size() const noexcept { return text.size() + (token_fields ? token_fields->size() : 0); }

    // The bytes from `offset` on, in order, as up to three pieces (some may be empty).
    std::array<std::string_view, 3> pieces(std::size_t offset) const noexcept
    {
        std::string_view all = text;
        std::array<std::string_view, 3> p{all, {}, {}};
        if (token_fields)
            p = {all.substr(0, splice), token_fields->view(), all.substr(splice)};
        for (auto& piece : p) {
            std::size_t skip = std::min(offset, piece.size());
            piece.remove_prefix(skip);
            offset -= skip;
        }
        return p;
    }

    // The whole line (tests).
    std::string str() const
    {
        auto [a, b, c] = pieces(0);
        return std::string(a).append(b).append(c);
    }
};

} // namespace tokend::agent
