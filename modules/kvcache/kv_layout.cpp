#include "kvcache/kv_layout.h"

#include <algorithm>

namespace kelle {

namespace {
std::uint64_t u64(int v) { return static_cast<std::uint64_t>(v); }
}  // namespace

KvLayout::KvLayout(const ModelShape& model, std::uint64_t region_slots, const KvAreaPlan& plan,
                   std::uint64_t spill_base_address, std::uint64_t important_slots, std::uint64_t x_entries,
                   std::uint64_t batch)
    : model_(model),
      plan_(plan),
      kv_heads_(model.kv_heads),
      slot_bytes_(batch * 2 * u64(model.head_dim) * u64(model.dtype_bytes)),
      region_slots_(region_slots),
      important_slots_(plan.classes == 2 ? std::min(important_slots, region_slots) : region_slots),
      x_entries_(x_entries),
      x_bytes_(batch * u64(model.hidden) * u64(model.dtype_bytes)),
      spill_base_address_(spill_base_address) {
    for (int c = 0; c < plan.classes; ++c) area_entries_[c] = plan_.bytes(plan_.area(c, 0)) / plane_bytes();
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
    return entry(region, slot) < area_entries(class_of(slot));
}

int KvLayout::pieces(int region, std::uint64_t slot, Extent out[2]) const {
    const int c = class_of(slot);
    const std::uint64_t e = entry(region, slot);
    if (e >= area_entries(c)) {
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
    const std::uint64_t first = std::max(u64(region) * class_slots(importance_class), area_entries(importance_class));
    return {false, spill_address(importance_class, first), count * slot_bytes_};
}

std::uint64_t KvLayout::x_offset(int layer, std::uint64_t entry) const {
    const int c = plan_.classes - 1;
    const std::uint64_t after_kv = u64(model_.layers * kv_heads_) * class_slots(c) * plane_bytes();
    (void)layer;  // entries are numbered across layers: the store packs what is in use
    return after_kv + entry * (x_bytes_ / u64(plan_.planes));
}

bool KvLayout::x_onchip(int layer, std::uint64_t entry) const {
    const KvArea& area = plan_.area(plan_.classes - 1, 0);
    return x_offset(layer, entry) + x_bytes_ / u64(plan_.planes) <= plan_.bytes(area);
}

int KvLayout::x_pieces(int layer, std::uint64_t entry, Extent out[2]) const {
    if (!x_onchip(layer, entry)) {
        const std::uint64_t kv_spill_end = spill_address(1, u64(model_.layers * kv_heads_) * region_slots_);
        out[0] = {false, kv_spill_end + entry * x_bytes_, x_bytes_};
        return 1;
    }
    for (int plane = 0; plane < plan_.planes; ++plane)
        out[plane] = {true, plan_.base_address(plan_.area(plan_.classes - 1, plane)) + x_offset(layer, entry),
                      x_bytes_ / u64(plan_.planes)};
    return plan_.planes;
}

}  // namespace kelle
