#include "kvcache/kv_layout.h"

#include <algorithm>

namespace kelle {

namespace {
std::uint64_t u64(int v) { return static_cast<std::uint64_t>(v); }
}  // namespace

KvLayout::KvLayout(const ModelShape& model, std::uint64_t region_slots, const KvAreaPlan& plan,
                   std::uint64_t spill_base_address, std::uint64_t important_slots, std::uint64_t x_entries,
                   std::uint64_t batch, KvPlacement placement)
    : model_(model),
      plan_(plan),
      kv_heads_(model.kv_heads),
      slot_bytes_(batch * 2 * u64(model.head_dim) * u64(model.dtype_bytes)),
      region_slots_(region_slots),
      important_slots_(plan.classes == 2 ? std::min(important_slots, region_slots) : region_slots),
      x_entries_(x_entries),
      x_bytes_(batch * u64(model.hidden) * u64(model.dtype_bytes)),
      spill_base_address_(spill_base_address),
      placement_(placement) {
    for (int c = 0; c < plan.classes; ++c) area_entries_[c] = plan_.bytes(plan_.area(c, 0)) / plane_bytes();
    onchip_layers_ = fitting_layers();
}

int KvLayout::fitting_layers() const {
    // Per plane, a layer takes kv_heads x class_slots entries of each class's area, and (last
    // class) its x pool; the first layers take the front of each area, in layer order.
    const std::uint64_t x_plane_bytes = placement_ == KvPlacement::first_fit_layers
                                            ? x_pool_entries() * (x_bytes_ / u64(plan_.planes))
                                            : 0;
    std::uint64_t layers = u64(model_.layers);
    for (int c = 0; c < plan_.classes; ++c) {
        const std::uint64_t layer_bytes = u64(kv_heads_) * class_slots(c) * plane_bytes() +
                                          (c == plan_.classes - 1 ? x_plane_bytes : 0);
        if (layer_bytes > 0) layers = std::min(layers, plan_.bytes(plan_.area(c, 0)) / layer_bytes);
    }
    return static_cast<int>(layers);
}

bool KvLayout::entry_onchip(int region, int importance_class, std::uint64_t entry) const {
    if (placement_ == KvPlacement::first_fit_layers) return region / kv_heads_ < onchip_layers_;
    return entry < area_entries(importance_class);
}

std::uint64_t KvLayout::class_slots(int importance_class) const {
    return importance_class == 0 ? important_slots_ : region_slots_ - important_slots_;
}

std::uint64_t KvLayout::entry(int region, std::uint64_t slot) const {
    const int c = class_of(slot);
    return u64(region) * class_slots(c) + (slot - first_slot(c));
}

std::uint64_t KvLayout::spill_address(int importance_class, std::uint64_t entry) const {
    // Class 1 spills above every entry class 0 could have: the two never overlap.
    const std::uint64_t class_offset = importance_class == 0 ? 0 : u64(model_.layers * kv_heads_) * class_slots(0);
    return spill_base_address_ + (class_offset + entry) * slot_bytes_;
}

bool KvLayout::slot_onchip(int region, std::uint64_t slot) const {
    return entry_onchip(region, class_of(slot), entry(region, slot));
}

bool KvLayout::region_onchip(int region) const {
    // Entries fill each class's areas in region order: a region's first slot of a class is on
    // chip if any of the class's is.
    for (int c = 0; c < plan_.classes; ++c)
        if (class_slots(c) > 0 && slot_onchip(region, first_slot(c))) return true;
    return false;
}

int KvLayout::pieces(int region, std::uint64_t slot, Extent out[2]) const {
    const int c = class_of(slot);
    const std::uint64_t e = entry(region, slot);
    if (!entry_onchip(region, c, e)) {
        out[0] = {false, spill_address(c, e), slot_bytes_};
        return 1;
    }
    for (int plane = 0; plane < plan_.planes; ++plane)
        out[plane] = {true, plan_.base_address(plan_.area(c, plane)) + e * plane_bytes(), plane_bytes()};
    return plan_.planes;
}

Extent KvLayout::onchip_burst(int region, int importance_class, int plane, std::uint64_t count) const {
    const std::uint64_t first = u64(region) * class_slots(importance_class);
    return {true, plan_.base_address(plan_.area(importance_class, plane)) + first * plane_bytes(), count * plane_bytes()};
}

Extent KvLayout::spill_burst(int region, int importance_class, std::uint64_t count) const {
    const std::uint64_t region_first = u64(region) * class_slots(importance_class);
    const std::uint64_t first = placement_ == KvPlacement::first_fit_layers
                                    ? region_first
                                    : std::max(region_first, area_entries(importance_class));
    return {false, spill_address(importance_class, first), count * slot_bytes_};
}

std::uint64_t KvLayout::x_index(int layer, std::uint64_t entry) const {
    return u64(x_pool(layer)) * x_pool_entries() + entry;
}

std::uint64_t KvLayout::x_offset(int layer, std::uint64_t entry) const {
    // After the K/V of every layer the area may hold: all of them (slot_spill, whose entries
    // pack at the front whatever their layer), or the on-chip layers (first_fit_layers).
    const int c = plan_.classes - 1;
    const std::uint64_t kv_layers = placement_ == KvPlacement::first_fit_layers ? u64(onchip_layers_) : u64(model_.layers);
    const std::uint64_t after_kv = kv_layers * u64(kv_heads_) * class_slots(c) * plane_bytes();
    return after_kv + x_index(layer, entry) * (x_bytes_ / u64(plan_.planes));
}

bool KvLayout::x_onchip(int layer, std::uint64_t entry) const {
    if (placement_ == KvPlacement::first_fit_layers) return layer < onchip_layers_;
    const KvArea& area = plan_.area(plan_.classes - 1, 0);
    return x_offset(layer, entry) + x_bytes_ / u64(plan_.planes) <= plan_.bytes(area);
}

int KvLayout::x_pieces(int layer, std::uint64_t entry, Extent out[2]) const {
    if (!x_onchip(layer, entry)) {
        const std::uint64_t kv_spill_end = spill_address(1, u64(model_.layers * kv_heads_) * region_slots_);
        out[0] = {false, kv_spill_end + x_index(layer, entry) * x_bytes_, x_bytes_};
        return 1;
    }
    for (int plane = 0; plane < plan_.planes; ++plane)
        out[plane] = {true, plan_.base_address(plan_.area(plan_.classes - 1, plane)) + x_offset(layer, entry),
                      x_bytes_ / u64(plan_.planes)};
    return plan_.planes;
}

}  // namespace kelle
