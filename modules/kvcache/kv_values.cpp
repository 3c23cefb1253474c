#include "kvcache/kv_values.h"

#include "common/fp16.h"
#include "common/random.h"

namespace kelle {

std::uint16_t pristine_kv_value(int layer, int kv_head, std::uint32_t position, int element) {
    SplitMix64 rng((static_cast<std::uint64_t>(layer) << 48) ^ (static_cast<std::uint64_t>(kv_head) << 40) ^
                   (static_cast<std::uint64_t>(position) << 12) ^ static_cast<std::uint64_t>(element));
    // Sum of 4 uniforms on [-sqrt(3), sqrt(3)], halved: mean 0, variance 1, bell-shaped.
    double sum = 0;
    for (int i = 0; i < 4; ++i) sum += rng.between(-1.7320508, 1.7320508);
    return float_to_half(static_cast<float>(sum / 2.0));
}

void encode_piece(const std::uint16_t* values, int count, int planes, int plane, unsigned char* out) {
    for (int i = 0; i < count; ++i) {
        const std::uint16_t v = values[i];
        if (planes == 1) {
            out[2 * i] = static_cast<unsigned char>(v & 0xffu);
            out[2 * i + 1] = static_cast<unsigned char>(v >> 8);
        } else {
            out[i] = static_cast<unsigned char>(plane == 0 ? v >> 8 : v & 0xffu);
        }
    }
}

void decode_pieces(const unsigned char* const pieces[2], int planes, int count, std::uint16_t* values) {
    for (int i = 0; i < count; ++i)
        values[i] = planes == 1 ? static_cast<std::uint16_t>(pieces[0][2 * i] | (pieces[0][2 * i + 1] << 8))
                                : static_cast<std::uint16_t>((pieces[0][i] << 8) | pieces[1][i]);
}

}  // namespace kelle
