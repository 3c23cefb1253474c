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
//
// Placement when the cache does not fit (kv.placement):
//   slot_spill        the above: each class's entries fill its areas in region order, and every
//                     entry beyond them spills, so the last on-chip layer may be split.
//   first_fit_layers  whole layers on chip, in layer order, while every region of the layer
//                     (all its KV heads, all classes) and its share of the x entries still fit
//                     in what is left of each area; every later layer lives wholly in DRAM at
//                     its spill address [assumption: the paper (kelle-paper.md sec. 2) keeps "a
//                     subset of layers" in eDRAM without a rule]. Each layer then has a pool of
//                     its own of x_entries / layers entries, so a layer's x lives where its K/V does.
// A K/V slot has the same address under both (on chip, or its spill address); under
// first_fit_layers an on-chip layer's x entries follow the on-chip layers' K/V in the last
// class's areas.
#pragma once

#include <cstdint>

#include "config/config.h"
#include "common/kv_areas.h"
#include "trace/trace.h"

namespace kelle {

enum class KvPlacement { slot_spill, first_fit_layers };
inline const Choices<KvPlacement> kKvPlacements{{"slot_spill", KvPlacement::slot_spill},
                                                {"first_fit_layers", KvPlacement::first_fit_layers}};

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
             std::uint64_t batch = 1, KvPlacement placement = KvPlacement::slot_spill);

    std::uint64_t slot_bytes() const { return slot_bytes_; }
    std::uint64_t plane_bytes() const { return slot_bytes_ / static_cast<std::uint64_t>(plan_.planes); }
    std::uint64_t region_slots() const { return region_slots_; }
    int classes() const { return plan_.classes; }
    int planes() const { return plan_.planes; }
    int region(int layer, int kv_head) const { return layer * kv_heads_ + kv_head; }

    int class_of(std::uint64_t slot) const { return plan_.classes == 2 && slot >= important_slots_ ? 1 : 0; }
    std::uint64_t class_slots(int importance_class) const;
    std::uint64_t first_slot(int importance_class) const { return importance_class == 0 ? 0 : important_slots_; }

    // first_fit_layers: the layers that live on chip (0 to onchip_layers() - 1); slot_spill: the
    // first layers whose K/V slots are all on chip (x entries are one pool there, not per layer).
    int onchip_layers() const { return onchip_layers_; }
    bool slot_onchip(int region, std::uint64_t slot) const;
    // Whether any slot of the region is on chip (slot_spill may split the last on-chip region).
    bool region_onchip(int region) const;
    // The pieces of a slot: one per plane on chip, or the whole slot in DRAM. Returns the count.
    int pieces(int region, std::uint64_t slot, Extent out[2]) const;
    // Compacted bursts of `count` slots of a region's class: in one on-chip plane, or in DRAM.
    Extent onchip_burst(int region, int importance_class, int plane, std::uint64_t count) const;
    Extent spill_burst(int region, int importance_class, std::uint64_t count) const;

    // AERP's x store: entries are numbered within a pool, one pool for all layers (slot_spill)
    // or one per layer (first_fit_layers), each of x_pool_entries().
    std::uint64_t x_bytes() const { return x_bytes_; }
    std::uint64_t x_entries() const { return x_entries_; }
    int x_pools() const { return placement_ == KvPlacement::first_fit_layers ? model_.layers : 1; }
    int x_pool(int layer) const { return x_pools() == 1 ? 0 : layer; }
    std::uint64_t x_pool_entries() const { return x_entries_ / static_cast<std::uint64_t>(x_pools()); }
    bool x_onchip(int layer, std::uint64_t entry) const;
    int x_pieces(int layer, std::uint64_t entry, Extent out[2]) const;

private:
    std::uint64_t entry(int region, std::uint64_t slot) const;
    bool entry_onchip(int region, int importance_class, std::uint64_t entry) const;
    int fitting_layers() const;  // first_fit_layers: how many whole layers fit, in layer order
    std::uint64_t x_index(int layer, std::uint64_t entry) const;   // across all pools
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
    KvPlacement placement_;
    std::uint64_t area_entries_[2] = {0, 0};
    int onchip_layers_ = 0;
};

}  // namespace kelle
