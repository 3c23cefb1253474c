// A model small enough to lay out by hand: 2 layers, 4 query heads sharing 2 KV heads of 8
// dimensions, hidden 32, gated FFN 64, 16-bit values. Tests that work out addresses and bytes
// on paper share it, so their hand counts refer to one shape.
#pragma once

#include "common/trace.h"

namespace kelle_test {

inline kelle::ModelShape hand_shape() {
    kelle::ModelShape m;
    m.name = "hand";
    m.layers = 2;
    m.heads = 4;
    m.kv_heads = 2;
    m.head_dim = 8;
    m.hidden = 32;
    m.ffn = 64;
    m.dtype_bytes = 2;
    m.gated_ffn = true;
    return m;
}

}  // namespace kelle_test
