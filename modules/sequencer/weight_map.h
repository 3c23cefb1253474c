// Where each layer's weights sit in DRAM: the address map the sequencer's GEMVs stream from.
//
// Per layer, in order: W_QKV (hidden + 2 kv_dim) x hidden, W_O hidden x hidden, FFN in
// (2 ffn x hidden when gated: gate and up; ffn x hidden otherwise), FFN out hidden x ffn, each
// row-major at `weight_bytes` per element (pe.weight_bytes: 1 for the paper's INT8 weights, 2 for
// 16-bit ones; the trace's dtype is the K/V's and the activations'); layer l starts right after
// layer l - 1. Weights do not scale with workload.batch: every sequence shares them. Above the
// last layer, rounded up to 4 KB, DRAM is free for the KV cache's spill (kvcache/kv_layout.h).
#pragma once

#include <cstdint>

#include "trace/trace.h"

namespace kelle {

class WeightMap {
public:
    WeightMap(const ModelShape& model, std::uint64_t weight_bytes);

    // One GEMV's weight block: out_rows x in_cols, `bytes` long from `address`.
    struct Matrix { std::uint64_t out_rows, in_cols, address, bytes; };
    Matrix qkv(int layer) const;
    Matrix out_proj(int layer) const;
    Matrix ffn_in(int layer) const;
    Matrix ffn_out(int layer) const;

    // The first 4 KB-aligned address above every layer's weights.
    std::uint64_t end_address() const { return end_address_; }

private:
    Matrix matrix(int layer, std::uint64_t offset_elements, std::uint64_t out_rows, std::uint64_t in_cols) const;

    ModelShape model_;
    std::uint64_t weight_bytes_;
    std::uint64_t layer_elements_;
    std::uint64_t end_address_;
};

}  // namespace kelle
