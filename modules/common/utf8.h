// Names from input files end up in the stats JSON, whose writer throws on bytes that are not
// UTF-8; the readers check names with this, so a bad byte is an input error at load time.
#pragma once

#include <cstddef>
#include <string>

namespace kelle {

namespace utf8_detail {
struct Lead {
    std::size_t continuation;  // bytes that follow the lead byte
    unsigned int bits;         // the code point's bits the lead byte carries
    unsigned int minimum;      // smallest code point of this length (shorter forms are overlong)
};
// False for bytes that cannot start a sequence (continuations, 0xc0, 0xc1, 0xf5 and up).
inline bool lead_of(unsigned char byte, Lead& lead) {
    if (byte >= 0xc2 && byte <= 0xdf) lead = {1, byte & 0x1fu, 0x80};
    else if (byte >= 0xe0 && byte <= 0xef) lead = {2, byte & 0x0fu, 0x800};
    else if (byte >= 0xf0 && byte <= 0xf4) lead = {3, byte & 0x07u, 0x10000};
    else return false;
    return true;
}
}  // namespace utf8_detail

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
inline bool is_valid_utf8(const std::string& text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto byte = static_cast<unsigned char>(text[i]);
        utf8_detail::Lead lead{};
        if (byte < 0x80) {
            ++i;
            continue;
        }
        if (!utf8_detail::lead_of(byte, lead) || text.size() - i <= lead.continuation) return false;
        unsigned int code_point = lead.bits;
        for (std::size_t k = 1; k <= lead.continuation; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xc0u) != 0x80u) return false;
            code_point = (code_point << 6) | (next & 0x3fu);
        }
        if (code_point < lead.minimum || code_point > 0x10ffff || (code_point >= 0xd800 && code_point <= 0xdfff))
            return false;
        i += lead.continuation + 1;
    }
    return true;
}

}  // namespace kelle
