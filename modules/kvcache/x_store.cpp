#include "kvcache/x_store.h"

#include <algorithm>
#include <stdexcept>

namespace kelle {

void XStore::hint(int layer, std::uint32_t entry, bool live, double t_ns) {
    Extent pieces[2];
    port_.hint(pieces, layout_.x_pieces(layer, entry, pieces), live, t_ns);
}

bool XStore::is_new(std::uint32_t entry) const { return std::find(new_.begin(), new_.end(), entry) != new_.end(); }

std::uint32_t XStore::acquire(int layer, std::uint32_t position, double t_ns) {
    auto& entries = by_position_[static_cast<std::size_t>(layer)];
    if (auto it = entries.find(position); it != entries.end()) {  // another head keeps it as x already
        ++it->second.references;
        return it->second.entry;
    }
    const auto pool = static_cast<std::size_t>(layout_.x_pool(layer));
    auto& free = free_[pool];
    std::uint32_t entry;
    if (!free.empty()) {
        entry = free.back();
        free.pop_back();
    } else {
        entry = fresh_[pool]++;
        if (entry >= layout_.x_pool_entries()) throw std::logic_error("AERP x store overflow: more x tokens than it was sized for");
    }
    entries.emplace(position, Entry{entry, 1});
    layer_entries_max_ = std::max<std::uint64_t>(layer_entries_max_, entries.size());
    if (layout_.x_onchip(layer, entry)) ++onchip_;
    hint(layer, entry, true, t_ns);
    new_.push_back(entry);
    return entry;
}

void XStore::release(int layer, std::uint32_t position, double t_ns) {
    auto& entries = by_position_[static_cast<std::size_t>(layer)];
    const auto it = entries.find(position);
    if (it == entries.end()) throw std::logic_error("AERP: released an x entry that is not held");
    if (--it->second.references > 0) return;
    hint(layer, it->second.entry, false, t_ns);
    if (layout_.x_onchip(layer, it->second.entry)) --onchip_;
    free_[static_cast<std::size_t>(layout_.x_pool(layer))].push_back(it->second.entry);
    new_.erase(std::remove(new_.begin(), new_.end(), it->second.entry), new_.end());
    entries.erase(it);
}

void XStore::place_prompt(HeadCache& head, int layer, double t_ns) {
    // Prefill has every prompt token's x and K/V at hand, so the form can still be chosen freely.
    auto& tokens = head.tokens_for_placement();
    const std::size_t as_x = tokens.size() - head.kv_tokens();
    order_.resize(tokens.size());
    for (std::size_t i = 0; i < tokens.size(); ++i) order_[i] = i;
    std::stable_sort(order_.begin(), order_.end(),
                     [&](std::size_t a, std::size_t b) { return tokens[a].relative_importance < tokens[b].relative_importance; });
    as_x_.assign(tokens.size(), false);
    for (std::size_t k = 0; k < as_x; ++k) as_x_[order_[k]] = true;
    to_kv_.clear();
    to_x_.clear();
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        if (tokens[i].as_x && !as_x_[i]) to_kv_.push_back(i);
        if (!tokens[i].as_x && as_x_[i]) to_x_.push_back(i);
    }
    for (std::size_t k = 0; k < to_x_.size(); ++k) {  // as many of each: swap their forms
        KvToken& to_x = tokens[to_x_[k]];
        KvToken& to_kv = tokens[to_kv_[k]];
        const std::uint32_t kv_slot = to_x.slot;
        release(layer, to_kv.position, t_ns);
        to_x.slot = acquire(layer, to_x.position, t_ns);
        to_x.as_x = true;
        to_kv.slot = kv_slot;
        to_kv.as_x = false;
    }
}

double XStore::write_new(int layer, double t_ns) {
    double done_ns = t_ns;
    for (const std::uint32_t entry : new_) {
        Extent pieces[2];
        const int count = layout_.x_pieces(layer, entry, pieces);
        for (int i = 0; i < count; ++i) done_ns = std::max(done_ns, port_.transfer(pieces[i], tlm::TLM_WRITE_COMMAND, t_ns));
    }
    new_.clear();
    return done_ns;
}

double XStore::write_all(int layer, double t_ns) {
    new_.clear();
    for (const auto& [position, x] : by_position_[static_cast<std::size_t>(layer)]) new_.push_back(x.entry);
    return write_new(layer, t_ns);
}

double XStore::read(int layer, double t_ns) {
    // Like K/V: one burst per plane on chip and one from DRAM, each from the first entry of its kind.
    std::uint64_t onchip = 0, spilled = 0;
    std::uint32_t first_onchip = UINT32_MAX, first_spilled = UINT32_MAX;
    for (const auto& [position, x] : by_position_[static_cast<std::size_t>(layer)]) {
        if (is_new(x.entry)) continue;  // not written yet
        const bool here = layout_.x_onchip(layer, x.entry);
        ++(here ? onchip : spilled);
        std::uint32_t& first = here ? first_onchip : first_spilled;
        first = std::min(first, x.entry);
    }
    Extent base[2];
    double done_ns = t_ns;
    if (onchip > 0) {
        const int planes = layout_.x_pieces(layer, first_onchip, base);
        for (int plane = 0; plane < planes; ++plane)
            done_ns = std::max(done_ns, port_.transfer({true, base[plane].address, onchip * base[plane].bytes},
                                                       tlm::TLM_READ_COMMAND, t_ns));
    }
    if (spilled > 0) {
        layout_.x_pieces(layer, first_spilled, base);
        done_ns = std::max(done_ns, port_.transfer({false, base[0].address, spilled * layout_.x_bytes()},
                                                   tlm::TLM_READ_COMMAND, t_ns));
    }
    return done_ns;
}

std::uint64_t XStore::to_recompute(int layer) const {
    // This step's new tokens are left out: the QKV projection computes their K and V anyway.
    const auto& entries = by_position_[static_cast<std::size_t>(layer)];
    return static_cast<std::uint64_t>(entries.size()) -
           static_cast<std::uint64_t>(std::count_if(entries.begin(), entries.end(),
                                                    [&](const auto& item) { return is_new(item.second.entry); }));
}

}  // namespace kelle
