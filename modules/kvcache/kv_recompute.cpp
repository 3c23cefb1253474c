// KvCacheManager's AERP part: the x store and its traffic (the class is declared in
// kv_cache_manager.h). The recomputation itself rides on the QKV projection (decode_layer).
#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "kvcache/kv_cache_manager.h"

namespace kelle {

void KvCacheManager::hint_x(int layer, std::uint32_t entry, bool live, double t_ns) {
    Extent pieces[2];
    hint_extents(pieces, layout_.x_pieces(layer, entry, pieces), live, t_ns);
}

std::uint32_t KvCacheManager::acquire_x(int layer, std::uint32_t position, double t_ns) {
    auto& entries = x_by_position_[static_cast<std::size_t>(layer)];
    if (auto it = entries.find(position); it != entries.end()) {  // another head keeps it as x already
        ++it->second.references;
        return it->second.entry;
    }
    std::uint32_t entry;
    if (!x_free_.empty()) {
        entry = x_free_.back();
        x_free_.pop_back();
    } else {
        entry = x_fresh_++;
        if (entry >= layout_.x_entries()) throw std::logic_error("AERP x store overflow: more x tokens than heads x share");
    }
    entries.emplace(position, XEntry{entry, 1});
    if (layout_.x_onchip(layer, entry)) ++onchip_x_;
    hint_x(layer, entry, true, t_ns);
    x_new_.push_back(entry);
    return entry;
}

void KvCacheManager::release_x(int layer, std::uint32_t position, double t_ns) {
    auto& entries = x_by_position_[static_cast<std::size_t>(layer)];
    const auto it = entries.find(position);
    if (it == entries.end()) throw std::logic_error("AERP: released an x entry that is not held");
    if (--it->second.references > 0) return;
    hint_x(layer, it->second.entry, false, t_ns);
    if (layout_.x_onchip(layer, it->second.entry)) --onchip_x_;
    x_free_.push_back(it->second.entry);
    x_new_.erase(std::remove(x_new_.begin(), x_new_.end(), it->second.entry), x_new_.end());
    entries.erase(it);
}

void KvCacheManager::place_prompt_as_x(int region, int layer, double t_ns) {
    // Prefill has every prompt token's x and K/V at hand, so the form can still be chosen
    // freely: the head's least important tokens (older first on ties) are the ones kept as x.
    HeadCache& head = heads_[static_cast<std::size_t>(region)];
    auto& tokens = head.tokens_for_placement();
    const std::size_t as_x = tokens.size() - head.kv_tokens();
    order_.resize(tokens.size());
    for (std::size_t i = 0; i < tokens.size(); ++i) order_[i] = i;
    std::stable_sort(order_.begin(), order_.end(),
                     [&](std::size_t a, std::size_t b) { return tokens[a].importance < tokens[b].importance; });
    want_important_.assign(tokens.size(), false);  // here: "should be x"
    for (std::size_t k = 0; k < as_x; ++k) want_important_[order_[k]] = true;
    promote_.clear();  // x tokens that should hold K/V
    demote_.clear();   // K/V tokens that should be x
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        if (tokens[i].as_x && !want_important_[i]) promote_.push_back(i);
        if (!tokens[i].as_x && want_important_[i]) demote_.push_back(i);
    }
    for (std::size_t k = 0; k < demote_.size(); ++k) {  // as many of each: swap their forms
        KvToken& to_x = tokens[demote_[k]];
        KvToken& to_kv = tokens[promote_[k]];
        const std::uint32_t kv_slot = to_x.slot;
        release_x(layer, to_kv.position, t_ns);
        to_x.slot = acquire_x(layer, to_x.position, t_ns);
        to_x.as_x = true;
        to_kv.slot = kv_slot;
        to_kv.as_x = false;
    }
}

double KvCacheManager::write_new_x(int layer, double t_ns) {
    double done_ns = t_ns;
    for (const std::uint32_t entry : x_new_) {
        Extent pieces[2];
        const int count = layout_.x_pieces(layer, entry, pieces);
        for (int i = 0; i < count; ++i)
            done_ns = std::max(done_ns, issuer_.memory(pieces[i].onchip ? kv_socket : dram_socket, tlm::TLM_WRITE_COMMAND,
                                                       pieces[i].address, pieces[i].bytes, t_ns));
    }
    x_new_.clear();
    return done_ns;
}

double KvCacheManager::write_all_x(int layer, double t_ns) {
    // After the prompt: every x entry the layer holds is new.
    x_new_.clear();
    for (const auto& [position, x] : x_by_position_[static_cast<std::size_t>(layer)]) x_new_.push_back(x.entry);
    return write_new_x(layer, t_ns);
}

double KvCacheManager::read_x(int layer, double t_ns) {
    // The layer's x entries (but this step's new ones, not written yet), read as compacted
    // bursts like K/V: one per plane on chip, one from DRAM, each from the first entry of its kind.
    std::uint64_t onchip = 0, spilled = 0;
    std::uint32_t first_onchip = UINT32_MAX, first_spilled = UINT32_MAX;
    for (const auto& [position, x] : x_by_position_[static_cast<std::size_t>(layer)]) {
        if (std::find(x_new_.begin(), x_new_.end(), x.entry) != x_new_.end()) continue;
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
            done_ns = std::max(done_ns, issuer_.memory(kv_socket, tlm::TLM_READ_COMMAND, base[plane].address,
                                                       onchip * base[plane].bytes, t_ns));
    }
    if (spilled > 0) {
        layout_.x_pieces(layer, first_spilled, base);
        done_ns = std::max(done_ns, issuer_.memory(dram_socket, tlm::TLM_READ_COMMAND, base[0].address,
                                                   spilled * layout_.x_bytes(), t_ns));
    }
    return done_ns;
}

std::uint64_t KvCacheManager::x_to_recompute(int layer) const {
    // Every x token of the layer but the ones admitted this step, whose K and V the QKV
    // projection computes anyway.
    const auto& entries = x_by_position_[static_cast<std::size_t>(layer)];
    return static_cast<std::uint64_t>(entries.size()) -
           static_cast<std::uint64_t>(std::count_if(entries.begin(), entries.end(), [&](const auto& item) {
               return std::find(x_new_.begin(), x_new_.end(), item.second.entry) != x_new_.end();
           }));
}

}  // namespace kelle
