// Which K/V slots of each region are free: placement's bookkeeping, apart from where a slot
// lives (kv_layout.h) and which token holds it (eviction_policy.h's HeadCache).
//
// A region's slots are used in order the first time and reused after release, per importance
// class. Taking or releasing a slot tells the on-chip store (LivenessHint) so a lifetime-aware
// eDRAM refreshes only rows with live data; the on-chip slots in use are counted as they are
// taken and released, because summing them over every token at each step cost O(context) under
// `full`. For the same reason each region's slots in use are counted per class and per side (on
// chip or spilled): a region's compacted read and 2DRP's settled check take them from here
// instead of walking the region's tokens every step.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "kvcache/kv_layout.h"
#include "kvcache/kv_store_port.h"

namespace kelle {

class KvSlots {
public:
    KvSlots(const KvLayout& layout, KvStorePort& port, std::size_t regions);

    // A free slot of `preferred_class`, else of the other class, hinted live at t_ns.
    // Throws std::logic_error when the region has none (the budget and the layout disagree).
    std::uint32_t take(int region, int preferred_class, double t_ns);
    // Frees `slot`, hinted dead at t_ns.
    void release(int region, std::uint32_t slot, double t_ns);
    std::uint64_t onchip_in_use() const { return onchip_; }
    // Slots of one class of a region in use, on chip or spilled.
    std::uint64_t in_use(int region, int importance_class, bool onchip) const {
        return in_use_[static_cast<std::size_t>(region)][static_cast<std::size_t>(importance_class)][onchip ? 1 : 0];
    }
    std::uint64_t in_use(int region, int importance_class) const {
        return in_use(region, importance_class, true) + in_use(region, importance_class, false);
    }

private:
    void hint(int region, std::uint32_t slot, bool live, double t_ns);
    void count(int region, std::uint32_t slot, int change);

    const KvLayout& layout_;
    KvStorePort& port_;
    std::vector<std::array<std::vector<std::uint32_t>, 2>> free_;  // per region and class
    std::vector<std::array<std::uint32_t, 2>> fresh_;  // per region and class: next never-used slot
    // per region, class and side (0 spilled, 1 on chip)
    std::vector<std::array<std::array<std::uint64_t, 2>, 2>> in_use_;
    std::uint64_t onchip_ = 0;
};

}  // namespace kelle
