// Where KV data and weights live: the address map the KV cache manager issues traffic with.
//
// KV: a slot holds K and V of one token for one KV head (2 x head_dim x dtype bytes). Each
// (layer, KV head) owns a region of `region_slots` slots (the policy's budget, or every
// position of the trace when the policy keeps all). Regions are laid out one after the other
// in a linear slot space; the first `onchip_slots` of it are in the on-chip KV store (eDRAM or
// SRAM), the rest spill to DRAM above the weights. A region's resident slots are read as one
// burst per memory, as if compacted: slot order inside a region does not change traffic.
//
// Weights (DRAM, per layer, in order): W_QKV (hidden + 2 kv_dim) x hidden, W_O hidden x hidden,
// FFN in (2 ffn x hidden when gated: gate and up; ffn x hidden otherwise), FFN out hidden x ffn.
#pragma once

#include <cstdint>

#include "common/trace.h"

namespace kelle {

struct SlotLocation {
    bool onchip = true;
    std::uint64_t address = 0;
};

class KvLayout {
public:
    KvLayout(const ModelShape& model, std::uint64_t region_slots, std::uint64_t onchip_bytes);

    std::uint64_t slot_bytes() const { return slot_bytes_; }
    std::uint64_t region_slots() const { return region_slots_; }
    std::uint64_t onchip_slots() const { return onchip_slots_; }
    int region(int layer, int kv_head) const { return layer * kv_heads_ + kv_head; }

    SlotLocation locate(int region, std::uint64_t slot) const;
    // First slot of the region in on-chip store and in DRAM, for the compacted bursts.
    SlotLocation onchip_base(int region) const { return locate_linear(first_linear(region)); }
    SlotLocation spill_base(int region) const;
    bool slot_onchip(int region, std::uint64_t slot) const { return first_linear(region) + slot < onchip_slots_; }

    // GEMV weight blocks of one layer.
    struct Matrix { std::uint64_t out_rows, in_cols, address, bytes; };
    Matrix qkv(int layer) const;
    Matrix out_proj(int layer) const;
    Matrix ffn_in(int layer) const;
    Matrix ffn_out(int layer) const;

private:
    std::uint64_t first_linear(int region) const { return static_cast<std::uint64_t>(region) * region_slots_; }
    SlotLocation locate_linear(std::uint64_t linear) const;
    Matrix matrix(int layer, std::uint64_t offset_elements, std::uint64_t out_rows, std::uint64_t in_cols) const;

    ModelShape model_;
    int kv_heads_;
    std::uint64_t slot_bytes_;
    std::uint64_t region_slots_;
    std::uint64_t onchip_slots_;
    std::uint64_t layer_weight_elements_;
    std::uint64_t spill_base_address_;
};

}  // namespace kelle
