// AERP's x store (kv.policy = aerp, Kelle's recomputation): the tokens a head keeps as its
// layer input x rather than as K/V, and their traffic.
//
// One x entry per (layer, position) is shared by every KV head that keeps that token as x
// (batch x hidden x dtype bytes instead of 2 x head_dim x dtype per head); it is counted by
// references and freed with the last. A token's form is fixed when it is written, because its
// x exists only then (its decode step, or prefill for prompt tokens). Each step the layer's x
// entries are read before the QKV projection, which recomputes K and V for all heads of every
// x token while W_K and W_V stream by (the sequencer asks to_recompute()). Where entries live:
// kv_layout.h. What it leaves out: x values in functional mode (the platform refuses aerp there).
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "kvcache/eviction_policy.h"
#include "kvcache/kv_layout.h"
#include "kvcache/kv_store_port.h"

namespace kelle {

class XStore {
public:
    XStore(const KvLayout& layout, KvStorePort& port, int layers)
        : layout_(layout), port_(port), by_position_(layers), free_(layers > 0 ? layout.x_pools() : 0),
          fresh_(free_.size(), 0) {}

    // The x entry of (layer, position), taken on first use (and hinted live); returns it.
    std::uint32_t acquire(int layer, std::uint32_t position, double t_ns);
    // Drops one head's reference; the last frees the entry (hinted dead).
    void release(int layer, std::uint32_t position, double t_ns);
    // After a head's prompt is admitted: its least important tokens (older first on ties) take
    // the x form, as many as it already keeps as x, swapping forms with K/V tokens.
    void place_prompt(HeadCache& head, int layer, double t_ns);

    // Writes the entries acquired since the last write; returns the completion time.
    double write_new(int layer, double t_ns);
    // After the prompt: writes every entry the layer holds.
    double write_all(int layer, double t_ns);
    // Reads the layer's entries but this step's new ones, as compacted bursts.
    double read(int layer, double t_ns);
    // x tokens of the layer whose K and V the QKV projection must recompute (not this step's).
    std::uint64_t to_recompute(int layer) const;

    std::uint64_t onchip_entries() const { return onchip_; }
    // The most x entries one layer has held at once (kv.x_tokens_max).
    std::uint64_t layer_entries_max() const { return layer_entries_max_; }

private:
    struct Entry { std::uint32_t entry; int references; };
    void hint(int layer, std::uint32_t entry, bool live, double t_ns);
    bool is_new(std::uint32_t entry) const;

    const KvLayout& layout_;
    KvStorePort& port_;
    std::vector<std::map<std::uint32_t, Entry>> by_position_;  // per layer
    // Per pool (KvLayout::x_pool): entries free for reuse, and the next never-used entry.
    std::vector<std::vector<std::uint32_t>> free_;
    std::vector<std::uint32_t> fresh_;
    std::vector<std::uint32_t> new_;   // acquired by the current layer command, to write
    std::uint64_t onchip_ = 0;         // entries in use on chip, for the footprint
    std::uint64_t layer_entries_max_ = 0;
    std::vector<std::size_t> order_, to_x_, to_kv_;  // place_prompt's buffers, reused
    std::vector<bool> as_x_;
};

}  // namespace kelle
