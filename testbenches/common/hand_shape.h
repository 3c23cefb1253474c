// A model small enough to lay out by hand: 2 layers, 4 query heads sharing 2 KV heads of 8
// dimensions, hidden 32, gated FFN 64, 16-bit values. Tests that work out addresses and bytes
// on paper share it, so their hand counts refer to one shape.
#pragma once

#include <fstream>
#include <string>

#include "trace/trace.h"
#include "trace/trace_generator.h"

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

// One layer of `kv_heads` KV heads (one query head each) of `head_dim` dimensions at 16 bits,
// for rules over one layer's heads worked by hand: a K/V slot is 2 x head_dim x 2 bytes, an x
// entry hidden x 2 bytes.
inline kelle::ModelShape one_layer_shape(int kv_heads, int head_dim, int hidden) {
    kelle::ModelShape m;
    m.name = "one_layer";
    m.layers = 1;
    m.heads = kv_heads;
    m.kv_heads = kv_heads;
    m.head_dim = head_dim;
    m.hidden = hidden;
    m.ffn = 2 * hidden;
    m.dtype_bytes = 2;
    return m;
}

// A generated decode trace of the hand shape at `path`: 15 prompt tokens, one decode step,
// the top 2 scores a head (seed 1), so a step's traffic stays countable by hand.
inline std::string write_hand_trace(const std::string& path) {
    kelle::GeneratorOptions options;
    options.model = hand_shape();
    options.prompt_tokens = 15;
    options.decode_steps = 1;
    options.topk = 2;
    options.seed = 1;
    std::ofstream out(path, std::ios::binary);
    kelle::write_trace(options, out);
    return path;
}

}  // namespace kelle_test
