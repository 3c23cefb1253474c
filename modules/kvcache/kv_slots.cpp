#include "kvcache/kv_slots.h"

#include <stdexcept>

namespace kelle {

KvSlots::KvSlots(const KvLayout& layout, KvStorePort& port, std::size_t regions)
    : layout_(layout), port_(port), free_(regions), in_use_(regions) {
    const auto first_of = [&](int c) { return static_cast<std::uint32_t>(layout.first_slot(c)); };
    fresh_.assign(regions, {first_of(0), first_of(1)});
}

void KvSlots::hint(int region, std::uint32_t slot, bool live, double t_ns) {
    Extent pieces[2];
    port_.hint(pieces, layout_.pieces(region, slot, pieces), live, t_ns);
}

void KvSlots::count(int region, std::uint32_t slot, int change) {
    const bool onchip = layout_.slot_onchip(region, slot);
    auto& in_use = in_use_[static_cast<std::size_t>(region)][static_cast<std::size_t>(layout_.class_of(slot))][onchip ? 1 : 0];
    in_use += static_cast<std::uint64_t>(change);
    if (onchip) onchip_ += static_cast<std::uint64_t>(change);
}

std::uint32_t KvSlots::take(int region, int preferred_class, double t_ns) {
    const auto r = static_cast<std::size_t>(region);
    for (const int c : {preferred_class, 1 - preferred_class}) {
        if (c >= layout_.classes()) continue;
        auto& free = free_[r][static_cast<std::size_t>(c)];
        std::uint32_t slot;
        if (!free.empty()) {
            slot = free.back();
            free.pop_back();
        } else {
            std::uint32_t& fresh = fresh_[r][static_cast<std::size_t>(c)];
            if (fresh >= layout_.first_slot(c) + layout_.class_slots(c)) continue;
            slot = fresh++;
        }
        count(region, slot, +1);
        hint(region, slot, true, t_ns);
        return slot;
    }
    throw std::logic_error("KV region has no free slot: the budget and the region size disagree");
}

void KvSlots::release(int region, std::uint32_t slot, double t_ns) {
    hint(region, slot, false, t_ns);
    count(region, slot, -1);
    free_[static_cast<std::size_t>(region)][static_cast<std::size_t>(layout_.class_of(slot))].push_back(slot);
}

}  // namespace kelle
