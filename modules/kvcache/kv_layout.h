// Where KV data lives: the address map the KV cache issues its traffic with.
//
// KV: a slot holds K and V of one token for one KV head (2 x head_dim x dtype bytes), for each
// of the `batch` sequences decoded together (they replay one trace, so they keep the same
// positions and a slot carries all of theirs: batch x 2 x head_dim x dtype bytes). Each
// (layer, KV head) owns a region of `region_slots` slots (the policy's budget, or every
// position of the trace when the policy keeps all). With two importance classes (2DRP) the
// first `important_slots` slots of every region are the important class, the rest the
// unimportant one. The on-chip store is cut into areas by a KvAreaPlan (common/kv_areas.h):
// one per (class, bit plane). A slot's entry in its class is region x class_slots + index;
// entries beyond what the class's area holds spill, whole, to DRAM from `spill_base_address`
// (the platform puts it above the weights, sequencer/weight_map.h). With
// two planes a slot is two pieces: its MSB half in the class's MSB area and its LSB half in
// the LSB area. A region's resident slots of one class are moved as one burst per area (and
// one for DRAM), as if compacted: slot order inside a region does not change traffic.
//
// AERP's x store: a token kept as its layer input x (batch x hidden x dtype bytes, shared by every KV
// head of the layer) sits in an x entry; entries are numbered across all layers (`x_entries`
// in all), so the ones in use pack at the front. They follow the KV entries of the last
// class's areas (the unimportant class under 2DRP, split into MSB and LSB planes like K/V);
// those beyond the areas spill to DRAM above the KV spill.
#pragma once

#include <cstdint>

#include "common/kv_areas.h"
#include "common/trace.h"

namespace kelle {

struct Extent {
    bool onchip = true;
    std::uint64_t address = 0;
    std::uint64_t bytes = 0;
};

class KvLayout {
public:
    // spill_base_address: the first DRAM byte the spill may use. important_slots is used only
    // when the plan has two classes; x_entries (in all layers) only by AERP.
    KvLayout(const ModelShape& model, std::uint64_t region_slots, const KvAreaPlan& plan,
             std::uint64_t spill_base_address, std::uint64_t important_slots = 0, std::uint64_t x_entries = 0,
             std::uint64_t batch = 1);

    std::uint64_t slot_bytes() const { return slot_bytes_; }
    std::uint64_t plane_bytes() const { return slot_bytes_ / static_cast<std::uint64_t>(plan_.planes); }
    std::uint64_t region_slots() const { return region_slots_; }
    int classes() const { return plan_.classes; }
    int planes() const { return plan_.planes; }
    int region(int layer, int kv_head) const { return layer * kv_heads_ + kv_head; }

    int class_of(std::uint64_t slot) const { return plan_.classes == 2 && slot >= important_slots_ ? 1 : 0; }
    std::uint64_t class_slots(int importance_class) const;
    std::uint64_t first_slot(int importance_class) const { return importance_class == 0 ? 0 : important_slots_; }

    bool slot_onchip(int region, std::uint64_t slot) const;
    // The pieces of a slot: one per plane on chip, or the whole slot in DRAM. Returns the count.
    int pieces(int region, std::uint64_t slot, Extent out[2]) const;
    // Compacted bursts of `count` slots of a region's class: in one on-chip plane, or in DRAM.
    Extent onchip_burst(int region, int importance_class, int plane, std::uint64_t count) const;
    Extent spill_burst(int region, int importance_class, std::uint64_t count) const;

    // AERP's x store.
    std::uint64_t x_bytes() const { return x_bytes_; }
    std::uint64_t x_entries() const { return x_entries_; }
    bool x_onchip(int layer, std::uint64_t entry) const;
    int x_pieces(int layer, std::uint64_t entry, Extent out[2]) const;

private:
    std::uint64_t entry(int region, std::uint64_t slot) const;
    std::uint64_t x_offset(int layer, std::uint64_t entry) const;  // bytes into the x class's area, per plane
    // Slots of a class that fit on chip; every slot's placement asks, so it is computed once.
    std::uint64_t area_entries(int importance_class) const { return area_entries_[importance_class]; }
    std::uint64_t spill_address(int importance_class, std::uint64_t entry) const;

    ModelShape model_;
    KvAreaPlan plan_;
    int kv_heads_;
    std::uint64_t slot_bytes_;
    std::uint64_t region_slots_;
    std::uint64_t important_slots_;
    std::uint64_t x_entries_;
    std::uint64_t x_bytes_;
    std::uint64_t spill_base_address_;
    std::uint64_t area_entries_[2] = {0, 0};
};

}  // namespace kelle
